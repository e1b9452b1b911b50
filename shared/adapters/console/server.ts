import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CSRF_COOKIE, CSRF_FIELD, csrfToken, csrfValid, sameOrigin } from "../../console/csrf.ts";
import { type Html, html } from "../../console/html.ts";
import { layout, type Notice, type Section } from "../../console/layout.ts";
import { approvalsPage } from "../../console/pages/approvals.ts";
import { exceptionsPage } from "../../console/pages/exceptions.ts";
import { exposuresPage } from "../../console/pages/exposures.ts";
import {
  EXPORT_FORMATS,
  type ExportFormat,
  parseRecordsFilter,
  recordsPage,
} from "../../console/pages/records.ts";
import { runsPage } from "../../console/pages/runs.ts";
import { CONSOLE_CSS } from "../../console/style.ts";
import type { ApprovalRequest } from "../../domain/approvals/request.ts";
import type { Vote } from "../../domain/approvals/verdict.ts";
import type { VoteResult } from "../../domain/approvals/vote.ts";
import { collect } from "../../domain/collect.ts";
import { VigilError } from "../../domain/errors.ts";
import type { BreakGlassException, ExceptionScope } from "../../domain/exceptions/exception.ts";
import { credentialScope, type GrantRequest } from "../../domain/exceptions/grant.ts";
import { auditReport } from "../../domain/ledger/audit-report.ts";
import { verifyChain } from "../../domain/ledger/chain.ts";
import { toCsv, toJsonLines } from "../../domain/ledger/export.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ConsoleViews } from "../../ports/console-views.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { PlaybookRunStore } from "../../ports/playbook-run-store.ts";
import { consoleCookie, cookieOf, FormError, readForm, seeOther, send } from "./http.ts";

/** The approval requests as the console lists and decides them (decideApproval, bound to its ports). */
export interface ConsoleApprovals {
  list(): Promise<readonly ApprovalRequest[]>;
  decide(id: string, vote: Vote): Promise<VoteResult>;
  /** Why approving cannot run a playbook in this console (no executor), if it cannot. */
  readonly cannotRun?: string;
}

/** The break-glass exceptions as the console lists, grants and revokes them (bound use cases). */
export interface ConsoleExceptions {
  list(): Promise<readonly BreakGlassException[]>;
  grant(request: GrantRequest): Promise<BreakGlassException>;
  revoke(id: string, request: { readonly by: string; readonly reason: string }): Promise<BreakGlassException>;
  /** The longest exception the configuration allows, in hours. */
  readonly maxHours: number;
}

/** What the console reads and changes, wired by `vigil console` (or a test). */
export interface ConsoleDeps {
  readonly views: ConsoleViews;
  readonly ledger: LedgerStore;
  readonly runs: Pick<PlaybookRunStore, "killSwitch">;
  readonly clock: Clock;
  /** The per-process secret CSRF tokens are bound to (32 random bytes). */
  readonly secret: Buffer;
  /** Who decides, grants and revokes through this console, for the records. */
  readonly operator: string;
  readonly approvals?: ConsoleApprovals;
  readonly exceptions?: ConsoleExceptions;
}

/** One request, as a route sees it. */
export interface ConsoleRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The CSRF token the page's forms carry. */
  readonly csrf: string;
  /** Set-Cookie for a browser that had no console cookie yet. */
  readonly setCookie?: string;
}

function sectionsOf(deps: ConsoleDeps): Section[] {
  return [
    { path: "/", title: "Exposures" },
    ...(deps.approvals === undefined ? [] : [{ path: "/approvals", title: "Approvals" }]),
    ...(deps.exceptions === undefined ? [] : [{ path: "/exceptions", title: "Exceptions" }]),
    { path: "/quarantines", title: "Quarantines & runs" },
    { path: "/records", title: "Records" },
  ];
}

const HTML_TYPE = { "Content-Type": "text/html; charset=utf-8" };

const EXPORT_TYPES: Readonly<Record<ExportFormat, { type: string; ext: string }>> = {
  jsonl: { type: "application/x-ndjson; charset=utf-8", ext: "jsonl" },
  csv: { type: "text/csv; charset=utf-8", ext: "csv" },
  report: { type: "text/markdown; charset=utf-8", ext: "md" },
};

function page(
  r: ConsoleRequest,
  deps: ConsoleDeps,
  status: number,
  frame: { title: string; current: string; body: Html; notice?: Notice },
): void {
  const headers: Record<string, string> = { ...HTML_TYPE };
  if (r.setCookie !== undefined) headers["Set-Cookie"] = r.setCookie;
  send(r.res, status, layout({ ...frame, sections: sectionsOf(deps) }), headers);
}

function problem(r: ConsoleRequest, deps: ConsoleDeps, status: number, title: string, text: string): void {
  page(r, deps, status, {
    title,
    current: "",
    body: html`<p><a href="/">Back to the exposures</a></p>`,
    notice: { kind: "error", text },
  });
}

const OK_TEXT: Readonly<Record<string, (id: string) => string>> = {
  approved: (id) => `Request ${id} approved: its playbook ran; see Quarantines & runs and Records.`,
  queued: (id) => `Request ${id} approved: its playbook was queued to run; see Records.`,
  "awaiting-second": (id) =>
    `Your approval of request ${id} is recorded; a second, different approver is needed.`,
  denied: (id) => `Request ${id} denied: nothing runs.`,
  granted: (id) => `Exception ${id} granted.`,
  revoked: (id) => `Exception ${id} revoked.`,
};

/** The notice of a redirect after a successful form (`?ok=approved&id=…`). */
function okNotice(url: URL): Notice | undefined {
  const text = OK_TEXT[url.searchParams.get("ok") ?? ""];
  return text === undefined ? undefined : { kind: "ok", text: text(url.searchParams.get("id") ?? "") };
}

async function approvalsView(
  r: ConsoleRequest,
  deps: ConsoleDeps,
  approvals: ConsoleApprovals,
  status: number,
  notice: Notice | undefined,
): Promise<void> {
  const body = approvalsPage({
    requests: await approvals.list(),
    now: deps.clock.now(),
    csrf: r.csrf,
    operator: deps.operator,
  });
  page(r, deps, status, {
    title: "Approvals",
    current: "/approvals",
    body,
    ...(notice === undefined ? {} : { notice }),
  });
}

async function exceptionsView(
  r: ConsoleRequest,
  deps: ConsoleDeps,
  exceptions: ConsoleExceptions,
  status: number,
  notice: Notice | undefined,
): Promise<void> {
  const body = exceptionsPage({
    exceptions: await exceptions.list(),
    now: deps.clock.now(),
    csrf: r.csrf,
    operator: deps.operator,
    maxHours: exceptions.maxHours,
  });
  page(r, deps, status, {
    title: "Exceptions",
    current: "/exceptions",
    body,
    ...(notice === undefined ? {} : { notice }),
  });
}

const refused = (text: string): Notice => ({ kind: "error", text });

/** POST /approvals/decide: approve or deny one request, with a reason; refusals re-render the page. */
async function decideRoute(r: ConsoleRequest, form: URLSearchParams, deps: ConsoleDeps): Promise<void> {
  const approvals = deps.approvals!;
  const id = form.get("id") ?? "";
  const verdict = form.get("verdict");
  const reason = (form.get("reason") ?? "").trim();
  if (verdict !== "approve" && verdict !== "deny") {
    await approvalsView(r, deps, approvals, 400, refused(`choose Approve or Deny for request ${id}`));
    return;
  }
  if (reason === "") {
    await approvalsView(
      r,
      deps,
      approvals,
      400,
      refused(
        `${verdict === "approve" ? "approving" : "denying"} request ${id} needs a reason: say why, then submit again`,
      ),
    );
    return;
  }
  if (verdict === "approve" && approvals.cannotRun !== undefined) {
    await approvalsView(
      r,
      deps,
      approvals,
      409,
      refused(`request ${id} was not approved: ${approvals.cannotRun}`),
    );
    return;
  }
  try {
    const result = await approvals.decide(id, { verdict, by: deps.operator, reason });
    const ok = result.dispatched === true ? "queued" : result.outcome;
    seeOther(r.res, `/approvals?${new URLSearchParams({ ok, id })}`);
  } catch (error) {
    if (!(error instanceof VigilError)) throw error;
    await approvalsView(r, deps, approvals, 409, refused(error.message));
  }
}

/** POST /exceptions/grant: a new break-glass exception; refusals re-render the page. */
async function grantRoute(r: ConsoleRequest, form: URLSearchParams, deps: ConsoleDeps): Promise<void> {
  const exceptions = deps.exceptions!;
  try {
    const text = (form.get("scope") ?? "").trim();
    const kind = form.get("scopeKind");
    const scope: ExceptionScope =
      kind === "principal"
        ? { kind: "principal", arn: text }
        : kind === "pattern"
          ? { kind: "pattern", pattern: text }
          : credentialScope(text);
    const playbooks = (form.get("playbooks") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    const granted = await exceptions.grant({
      scope,
      playbooks,
      hours: Number(form.get("hours") ?? ""),
      reason: form.get("reason") ?? "",
      by: deps.operator,
    });
    seeOther(r.res, `/exceptions?${new URLSearchParams({ ok: "granted", id: granted.id })}`);
  } catch (error) {
    if (!(error instanceof VigilError)) throw error;
    await exceptionsView(r, deps, exceptions, 400, refused(`not granted: ${error.message}`));
  }
}

/** POST /exceptions/revoke: ends an exception early, with a reason; refusals re-render the page. */
async function revokeRoute(r: ConsoleRequest, form: URLSearchParams, deps: ConsoleDeps): Promise<void> {
  const exceptions = deps.exceptions!;
  const id = form.get("id") ?? "";
  try {
    await exceptions.revoke(id, { by: deps.operator, reason: form.get("reason") ?? "" });
    seeOther(r.res, `/exceptions?${new URLSearchParams({ ok: "revoked", id })}`);
  } catch (error) {
    if (!(error instanceof VigilError)) throw error;
    await exceptionsView(r, deps, exceptions, 409, refused(`not revoked: ${error.message}`));
  }
}

/** The built-in forms, present when the console has the ports they change. */
function builtInPosts(deps: ConsoleDeps): Record<string, PostRoute> {
  return {
    ...(deps.approvals === undefined ? {} : { "/approvals/decide": decideRoute }),
    ...(deps.exceptions === undefined
      ? {}
      : { "/exceptions/grant": grantRoute, "/exceptions/revoke": revokeRoute }),
  };
}

async function getRoute(r: ConsoleRequest, deps: ConsoleDeps): Promise<void> {
  const path = r.url.pathname;
  if (path === "/") {
    page(r, deps, 200, {
      title: "Exposures",
      current: "/",
      body: exposuresPage(await deps.views.exposures()),
    });
    return;
  }
  if (path === "/approvals" && deps.approvals !== undefined) {
    await approvalsView(r, deps, deps.approvals, 200, okNotice(r.url));
    return;
  }
  if (path === "/exceptions" && deps.exceptions !== undefined) {
    await exceptionsView(r, deps, deps.exceptions, 200, okNotice(r.url));
    return;
  }
  if (path === "/quarantines") {
    const body = runsPage({
      runs: await deps.views.runs(),
      killSwitch: await deps.runs.killSwitch(),
      now: deps.clock.now(),
    });
    page(r, deps, 200, { title: "Quarantines & runs", current: "/quarantines", body });
    return;
  }
  if (path === "/records") {
    const { filter, query, error } = parseRecordsFilter(r.url.searchParams);
    const body = recordsPage({
      records: await collect(deps.ledger.read(query)),
      verdict: await verifyChain(() => deps.ledger.stored()),
      filter,
    });
    page(r, deps, 200, {
      title: "Records",
      current: "/records",
      body,
      ...(error === undefined ? {} : { notice: { kind: "error" as const, text: error } }),
    });
    return;
  }
  if (path === "/records/export") {
    const format = r.url.searchParams.get("format") ?? "";
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      problem(
        r,
        deps,
        400,
        "Unknown export format",
        `format ${JSON.stringify(format)} is not one of ${EXPORT_FORMATS.join(", ")}`,
      );
      return;
    }
    const { query, error } = parseRecordsFilter(r.url.searchParams);
    if (error !== undefined) {
      problem(r, deps, 400, "Bad export filter", error.replace(" Showing every record.", ""));
      return;
    }
    const records = await collect(deps.ledger.read(query));
    const now = deps.clock.now();
    const kind = format as ExportFormat;
    const text =
      kind === "jsonl"
        ? toJsonLines(records)
        : kind === "csv"
          ? toCsv(records)
          : auditReport(records, {
              from: query.from,
              to: query.to,
              generatedAt: now,
              chain: await verifyChain(() => deps.ledger.stored()),
            });
    const stamp = new Date(now).toISOString().slice(0, 10);
    send(r.res, 200, text, {
      "Content-Type": EXPORT_TYPES[kind].type,
      "Content-Disposition": `attachment; filename="vigil-records-${stamp}.${EXPORT_TYPES[kind].ext}"`,
    });
    return;
  }
  if (path === "/static/console.css") {
    send(r.res, 200, CONSOLE_CSS, { "Content-Type": "text/css; charset=utf-8" });
    return;
  }
  problem(r, deps, 404, "Not found", `there is no page ${JSON.stringify(path)} in this console`);
}

/** The routes of state-changing forms, by path; filled in as the approval and exception pages arrive. */
export type PostRoute = (r: ConsoleRequest, form: URLSearchParams, deps: ConsoleDeps) => Promise<void>;

/**
 * The request handler of the console. Every request must name one of `allowedHosts` (its Host header:
 * this also defeats DNS rebinding); a POST must also come from the console's own origin and carry the
 * CSRF token of the browser's console cookie. Pages are rendered by the pure functions of
 * shared/console; every response carries the security headers.
 */
export function consoleHandler(
  deps: ConsoleDeps,
  allowedHosts: () => readonly string[],
  posts: Readonly<Record<string, PostRoute>> = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const routes = { ...builtInPosts(deps), ...posts };
  return async (req, res) => {
    const cookie = consoleCookie(req);
    const r: ConsoleRequest = {
      req,
      res,
      url: new URL(req.url ?? "/", "http://console.invalid"),
      csrf: csrfToken(deps.secret, cookie.value),
      ...(cookie.setCookie === undefined ? {} : { setCookie: cookie.setCookie }),
    };
    try {
      const host = req.headers.host?.toLowerCase();
      if (host === undefined || !allowedHosts().includes(host)) {
        problem(
          r,
          deps,
          421,
          "Wrong host",
          `this console answers to ${allowedHosts().join(", ")}, not ${JSON.stringify(host ?? "")}`,
        );
        return;
      }
      if (req.method === "GET" || req.method === "HEAD") {
        await getRoute(r, deps);
        return;
      }
      if (req.method !== "POST") {
        res.setHeader("Allow", "GET, HEAD, POST");
        problem(
          r,
          deps,
          405,
          "Method not allowed",
          `${req.method} is not used by this console; pages are GET and forms POST`,
        );
        return;
      }
      const route = routes[r.url.pathname];
      if (route === undefined) {
        problem(r, deps, 404, "Not found", `nothing accepts a form at ${JSON.stringify(r.url.pathname)}`);
        return;
      }
      const origin = req.headers.origin;
      if (!sameOrigin({ host, ...(origin === undefined ? {} : { origin }) }, allowedHosts())) {
        problem(
          r,
          deps,
          403,
          "Refused",
          `a form from ${JSON.stringify(origin)} cannot change anything here; use the console's own pages`,
        );
        return;
      }
      const form = await readForm(req);
      if (!csrfValid(deps.secret, cookieOf(req, CSRF_COOKIE), form.get(CSRF_FIELD) ?? undefined)) {
        problem(
          r,
          deps,
          403,
          "Refused",
          "the form's security token does not match this browser's console session (it may be from before the console restarted); reload the page and submit it again",
        );
        return;
      }
      await route(r, form, deps);
    } catch (error) {
      if (error instanceof FormError) {
        problem(r, deps, error.status, "Bad form", error.message);
        return;
      }
      const text =
        error instanceof VigilError ? error.message : `unexpected failure: ${(error as Error).message}`;
      if (!res.headersSent) problem(r, deps, 500, "Something went wrong", text);
      else res.destroy();
    }
  };
}

/** A running console. */
export interface RunningConsole {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts the console on `host:port` (port 0: any free port) and resolves once it listens. It answers
 * to the address it listens on and, on a loopback address, to `localhost` at the same port.
 */
export async function startConsole(
  deps: ConsoleDeps,
  options: {
    readonly host: string;
    readonly port: number;
    readonly posts?: Readonly<Record<string, PostRoute>>;
  },
): Promise<RunningConsole> {
  let hosts: string[] = [];
  const handler = consoleHandler(deps, () => hosts, options.posts);
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = options.host.includes(":") ? `[${options.host}]` : options.host;
  hosts = [`${shown}:${port}`.toLowerCase()];
  if (options.host === "127.0.0.1" || options.host === "::1") hosts.push(`localhost:${port}`);
  return {
    url: `http://${shown}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
