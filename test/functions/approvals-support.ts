import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type ApprovalsHandlerDeps,
  createApprovalsHandler,
} from "../../functions/approvals/approvals-handler.ts";
import type { HttpApiResult } from "../../functions/approvals/http.ts";
import { SqliteUsedLinks } from "../../shared/adapters/console/sqlite-used-links.ts";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { SqliteExceptionStore } from "../../shared/adapters/sqlite-exceptions.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { type ApprovalRequest, newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import type { LedgerRecord } from "../../shared/domain/ledger/record.ts";
import type { PlaybookRequest } from "../../shared/domain/playbooks/executor.ts";
import { type LinkAction, signApprovalLink } from "../../shared/domain/signed-links/approval-link.ts";
import type { PlaybookDispatch } from "../../shared/ports/playbook-dispatch.ts";
import { configOf } from "../support/context.ts";
import { exposureOf, TestClock } from "../support/oncall.ts";
import { FakeNotifier } from "../support/playbooks.ts";
import { capturingLog, type LogLine } from "./support.ts";

/** When the approvals tests start; requests open then, for 30 minutes. */
export const T0 = Date.parse("2026-03-10T12:00:00Z");
export const TTL_MS = 30 * 60_000;
/** The API's URL, as the fixtures' domain name. */
export const BASE = "https://abc123defg.execute-api.eu-central-1.amazonaws.com";
/** The caller of the IAM fixture: alice, in a session of the on-call role. */
export const ALICE_SESSION = "arn:aws:sts::111122223333:assumed-role/oncall-eu/alice";
export const ROLE = "arn:aws:iam::111122223333:role/app";

/**
 * The approvals the tests configure: alice and bob by name, and sessions of the `oncall-eu` role, for
 * every playbook; `quarantine-role` also needs two approvers.
 */
export const APPROVALS: ConfigInput["approvals"] = {
  approvers: ["alice", "bob", "arn:aws:sts::111122223333:assumed-role/oncall-eu/*"],
  ttlMinutes: 30,
};

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

type Context = { http: Record<string, unknown> } & Record<string, unknown>;

/**
 * An IAM-authorized HTTP API request (fixture: alice's signed POST approving apr-1) with another
 * method, path, body or caller; `caller: null` drops the authorizer, as a route without AWS_IAM would.
 */
export function iamEvent(options: {
  method: "GET" | "POST";
  path: string;
  body?: string;
  caller?: string | null;
}): Record<string, unknown> {
  const event = fixture("http-api-v2-iam-approve.json");
  const context = event.requestContext as Context;
  const authorizer = context.authorizer as { iam: Record<string, unknown> };
  const { authorizer: _, ...withoutAuthorizer } = context;
  const requestContext = {
    ...(options.caller === null ? withoutAuthorizer : context),
    ...(options.caller === null || options.caller === undefined
      ? {}
      : { authorizer: { iam: { ...authorizer.iam, userArn: options.caller } } }),
    http: { ...context.http, method: options.method, path: options.path },
    routeKey: `${options.method} ${options.path}`,
  };
  return {
    ...event,
    rawPath: options.path,
    routeKey: requestContext.routeKey,
    requestContext,
    ...(options.body === undefined ? { body: undefined } : { body: options.body }),
  };
}

/**
 * A browser request to a link's page (fixture: a phone's form POST, base64 body); GET drops the body.
 * `origin: null` drops the Origin header; `form` replaces the body (sent as plain text).
 */
export function linkEvent(options: {
  method: "GET" | "POST";
  token: string;
  form?: Record<string, string>;
  origin?: string | null;
}): Record<string, unknown> {
  const event = fixture("http-api-v2-link-post.json");
  const context = event.requestContext as Context;
  const path = `/links/${options.token}`;
  const { origin: _, ...headersWithoutOrigin } = event.headers as Record<string, string>;
  const headers =
    options.origin === null
      ? headersWithoutOrigin
      : {
          ...(event.headers as Record<string, string>),
          ...(options.origin ? { origin: options.origin } : {}),
        };
  const base = {
    ...event,
    rawPath: path,
    headers,
    pathParameters: { token: options.token },
    requestContext: { ...context, http: { ...context.http, method: options.method, path } },
  };
  if (options.method === "GET") return { ...base, body: undefined, isBase64Encoded: false };
  if (options.form === undefined) return base;
  return { ...base, body: new URLSearchParams(options.form).toString(), isBase64Encoded: false };
}

/** A browser's GET of another path of the API (the link fixture's request, without a link). */
export function pageEvent(path: string): Record<string, unknown> {
  const event = linkEvent({ method: "GET", token: "unused" });
  const context = event.requestContext as Context;
  return {
    ...event,
    rawPath: path,
    pathParameters: {},
    requestContext: { ...context, http: { ...context.http, path } },
  };
}

/** A needs-approval exposure of svc-ci's access key (playbook deactivate-access-key). */
export function keyExposure(): Exposure {
  return exposureOf({ decision: "needs-approval" });
}

/** A PlaybookDispatch that keeps what it was given. */
export class RecordingDispatch implements PlaybookDispatch {
  readonly queued: Array<{ request: PlaybookRequest; dedupeKey: string }> = [];
  async dispatch(request: PlaybookRequest, dedupeKey: string): Promise<void> {
    this.queued.push({ request, dedupeKey });
  }
}

/**
 * The approvals function on SQLite stores in memory, a frozen clock and a recording dispatch; its API
 * answers at `baseUrl` (default: the fixtures' execute-api domain).
 */
export function approvalsWorld(approvals: ConfigInput["approvals"] = APPROVALS, baseUrl = BASE) {
  const config = configOf({ approvals });
  const clock = new TestClock(T0 + 10 * 60_000);
  const secret = randomBytes(32);
  const logLines: LogLine[] = [];
  const log = capturingLog(logLines);
  const exceptions = new SqliteExceptionStore(":memory:");
  const deps: ApprovalsHandlerDeps = {
    approvals: new SqliteApprovalStore(":memory:"),
    ledger: new SqliteLedger(":memory:"),
    usedLinks: new SqliteUsedLinks(":memory:"),
    exceptions,
    dispatch: new RecordingDispatch(),
    notifier: new FakeNotifier(),
    clock,
    newId: (() => {
      let n = 100;
      return () => `apr-${++n}`;
    })(),
    policy: config.approvals,
    baseUrl,
    secret,
    log,
  };
  const handler = createApprovalsHandler(deps);
  return {
    deps,
    clock,
    logLines,
    config,
    exceptions,
    dispatch: deps.dispatch as RecordingDispatch,
    notifier: deps.notifier as FakeNotifier,
    call: (event: unknown): Promise<HttpApiResult> => handler(event),
    /**
     * Opens request `id` (default apr-1) at `at` (default T0) for a role-session exposure (playbook
     * quarantine-role) or `exposure`; `approvers` replaces the approvers the request keeps.
     */
    async open(
      options: { id?: string; exposure?: Exposure; approvers?: readonly string[]; at?: number } = {},
    ): Promise<ApprovalRequest> {
      const at = options.at ?? T0;
      const request = newApprovalRequest(
        options.exposure ??
          exposureOf({
            decision: "needs-approval",
            credential: { kind: "role-session", id: ROLE, accessKeyId: "ASIAEXAMPLESESSION01" },
            principal: ROLE,
          }),
        config.approvals,
        at,
        options.id ?? "apr-1",
      );
      const stored =
        options.approvers === undefined ? request : { ...request, approvers: [...options.approvers] };
      return (await deps.approvals.open(stored, at)).request;
    },
    /** A link for `approver` to `action` request `id`, valid for 15 minutes from now. */
    token(approver: string, action: LinkAction, id = "apr-1"): string {
      const now = clock.now();
      return signApprovalLink(
        { requestId: id, action, approver, issuedAt: now, expiresAt: now + 15 * 60_000 },
        secret,
      );
    },
    async records(): Promise<LedgerRecord[]> {
      const out: LedgerRecord[] = [];
      for await (const record of deps.ledger.read()) out.push(record);
      return out;
    },
    async request(id = "apr-1"): Promise<ApprovalRequest | undefined> {
      return deps.approvals.get(id);
    },
  };
}

/** The JSON body of a result. */
export function jsonOf(result: HttpApiResult): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}
