import { html } from "../../shared/console/html.ts";
import { layout } from "../../shared/console/layout.ts";
import { linkIndexPage } from "../../shared/console/pages/approval-link.ts";
import { CONSOLE_CSS } from "../../shared/console/style.ts";
import type { ApprovalPolicy } from "../../shared/domain/config/compile.ts";
import type { ApprovalStore } from "../../shared/ports/approval-store.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { ExceptionStore } from "../../shared/ports/exception-store.ts";
import type { LedgerStore } from "../../shared/ports/ledger-store.ts";
import type { Notifier } from "../../shared/ports/notifier.ts";
import type { PlaybookDispatch } from "../../shared/ports/playbook-dispatch.ts";
import type { UsedLinks } from "../../shared/ports/used-links.ts";
import type { FunctionLog } from "../common/log.ts";
import { apiRoute, isApiPath } from "./api-routes.ts";
import {
  cssResult,
  type HttpApiEvent,
  type HttpApiResult,
  htmlResult,
  jsonError,
  parseHttpEvent,
  routePath,
} from "./http.ts";
import { linkGet, linkPost } from "./link-routes.ts";

/** What the approvals function works with; handler.ts wires the DynamoDB, SQS and SNS adapters. */
export interface ApprovalsHandlerDeps {
  readonly approvals: ApprovalStore;
  readonly ledger: LedgerStore;
  readonly usedLinks: UsedLinks;
  /** Where an approved playbook is queued: this function never acts on IAM itself. */
  readonly dispatch: PlaybookDispatch;
  /** Where a request that expires on a late vote is announced again or escalated. */
  readonly notifier: Notifier;
  /** The break-glass exceptions in force: an approval is refused while one covers the request. */
  readonly exceptions: Pick<ExceptionStore, "activeAt">;
  readonly clock: Clock;
  /** Ids of requests renewed when one expires on a late vote. */
  readonly newId: () => string;
  /** The deployed config's approval policy: who may decide which playbook, renewals. */
  readonly policy: ApprovalPolicy;
  /** The API's base URL (no trailing `/`): the origin a link's form must come from. */
  readonly baseUrl: string;
  /** The key that signs and verifies links (from Secrets Manager); never logged. */
  readonly secret: Buffer;
  readonly log: FunctionLog;
}

const LINK = /^\/links\/([A-Za-z0-9_.-]{1,4096})\/?$/;

/**
 * The approvals function behind the HTTP API: the IAM-authorized JSON API under `/api/approvals`
 * (see api-routes.ts) and the signed-link pages under `/links/{token}` (see link-routes.ts), plus the
 * style sheet and a front page. An invocation that is not an HTTP API v2 event is answered 400; a
 * failure of the function itself is logged and answered 500 without its details.
 */
export function createApprovalsHandler(
  deps: ApprovalsHandlerDeps,
): (event: unknown) => Promise<HttpApiResult> {
  return async (raw) => {
    const event = parseHttpEvent(raw);
    if (event === undefined) {
      // Only the shape is logged: the event may carry a link (a credential) in its path.
      const keys = typeof raw === "object" && raw !== null ? Object.keys(raw) : [typeof raw];
      deps.log.error("not an HTTP API event", { keys });
      return jsonError(
        400,
        "this function answers API Gateway HTTP API requests (payload format 2.0) only; call it through the stack's approvals API",
      );
    }
    const path = routePath(event);
    try {
      return await route(event, path, deps);
    } catch (error) {
      deps.log.error("approvals request failed", {
        path: isApiPath(path) ? path : path.replace(LINK, "/links/…"),
        requestId: event.requestContext.requestId,
        error,
      });
      const text = `unexpected failure (request ${event.requestContext.requestId}); nothing may have been recorded: look the request up again before retrying`;
      return isApiPath(path)
        ? jsonError(500, text)
        : htmlResult(
            500,
            layout({
              title: "Something went wrong",
              current: "",
              sections: [],
              body: html`<p>If the link no longer works, ask for a new one or decide with the approvals API.</p>`,
              notice: { kind: "error", text },
            }),
          );
    }
  };
}

async function route(event: HttpApiEvent, path: string, deps: ApprovalsHandlerDeps): Promise<HttpApiResult> {
  if (isApiPath(path)) return apiRoute(event, path, deps);
  const method = event.requestContext.http.method;
  const link = LINK.exec(path);
  if (link !== null) {
    if (method === "GET" || method === "HEAD") return linkGet(link[1]!, deps);
    if (method === "POST") return linkPost(link[1]!, event, deps);
  } else if (method === "GET" || method === "HEAD") {
    if (path === "/static/console.css") return cssResult(CONSOLE_CSS);
    if (path === "/") {
      return htmlResult(
        200,
        layout({ title: "Approvals", current: "", sections: [], body: linkIndexPage() }),
      );
    }
  }
  return htmlResult(
    link === null ? 404 : 405,
    layout({
      title: link === null ? "Not found" : "Method not allowed",
      current: "",
      sections: [],
      body: linkIndexPage(),
      notice: {
        kind: "error",
        text:
          link === null
            ? `there is no page ${JSON.stringify(path)} here`
            : `${method} is not used here: a link's page is GET and its form POST`,
      },
    }),
  );
}
