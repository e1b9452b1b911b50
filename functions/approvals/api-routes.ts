import * as z from "zod";
import { mayDecidePlaybook } from "../../shared/domain/approvals/approvers.ts";
import { type ApprovalRequest, statusAt } from "../../shared/domain/approvals/request.ts";
import { decideApproval } from "../../shared/domain/approvals/vote.ts";
import { show } from "../../shared/domain/errors.ts";
import type { ApprovalsHandlerDeps } from "./approvals-handler.ts";
import { bodyText, type HttpApiEvent, type HttpApiResult, jsonError, jsonResult } from "./http.ts";
import { notAnApprover, refusalOf } from "./outcomes.ts";
import { voteDeps } from "./vote-deps.ts";

/**
 * The IAM-authorized JSON API, for the CLI and automation: list and read requests, approve or deny
 * one with a reason. API Gateway authorizes these routes with AWS_IAM (SigV4); the caller's IAM ARN
 * is the approver, matched against the playbook's approvers (an assumed-role session also as its
 * role's ARN, see approverForms), and recorded as the one who decided.
 */

/** A request as the API shows it: as stored, with the status as of now (a lapsed one is `expired`). */
export function approvalView(request: ApprovalRequest, now: number): ApprovalRequest {
  return { ...request, status: statusAt(request, now) };
}

/** Pending requests first (the soonest to expire first), then the others, newest first. */
export function pendingFirst(requests: readonly ApprovalRequest[], now: number): ApprovalRequest[] {
  const pending = requests
    .filter((r) => statusAt(r, now) === "pending")
    .sort((a, b) => a.expiresAt - b.expiresAt);
  const others = requests.filter((r) => statusAt(r, now) !== "pending");
  return [...pending, ...others].map((r) => approvalView(r, now));
}

const decisionBody = z
  .object({
    reason: z
      .string({ error: "is missing; say why you decide so" })
      .trim()
      .min(1, "is empty; say why you decide so")
      .max(1000, "is longer than 1000 characters; shorten it"),
  })
  .strict();

/** The caller's IAM ARN, as API Gateway's IAM authorizer put it in the request context. */
function callerOf(event: HttpApiEvent): string | undefined {
  const arn = event.requestContext.authorizer?.iam?.userArn;
  return arn === undefined || arn === "" ? undefined : arn;
}

const ROUTE = /^\/api\/approvals(?:\/([^/]+)(?:\/(approve|deny))?)?\/?$/;

/** Whether `path` belongs to the JSON API. */
export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/** Answers one request to the JSON API. */
export async function apiRoute(
  event: HttpApiEvent,
  path: string,
  deps: ApprovalsHandlerDeps,
): Promise<HttpApiResult> {
  const caller = callerOf(event);
  if (caller === undefined) {
    return jsonError(
      403,
      "this route needs AWS_IAM authorization and the request carried no IAM identity: sign it with SigV4 for the execute-api service (e.g. awscurl --service execute-api, or the vigil CLI), and call it through the stack's HTTP API",
    );
  }
  const match = ROUTE.exec(path);
  if (match === null) {
    return jsonError(
      404,
      `there is no API route ${show(path)}; the routes are GET /api/approvals, GET /api/approvals/{id}, POST /api/approvals/{id}/approve and POST /api/approvals/{id}/deny`,
    );
  }
  const [, rawId, verdict] = match;
  const method = event.requestContext.http.method;
  const wanted = verdict === undefined ? "GET" : "POST";
  if (method !== wanted) {
    return jsonError(
      405,
      `${method} is not accepted at ${path}; use ${wanted}${wanted === "POST" ? ' with a JSON body {"reason": "…"}' : ""}`,
    );
  }
  const now = deps.clock.now();
  if (rawId === undefined) {
    return jsonResult(200, { approvals: pendingFirst(await deps.approvals.list(), now) });
  }
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return jsonError(
      400,
      `the request id ${show(rawId)} is not valid percent-encoding; use an id as GET /api/approvals lists it`,
    );
  }
  const request = await deps.approvals.get(id);
  if (request === undefined) {
    return jsonError(404, `no approval request ${show(id)}; GET /api/approvals lists the ids`);
  }
  if (verdict === undefined) return jsonResult(200, { approval: approvalView(request, now) });
  if (!mayDecidePlaybook(deps.policy, request.playbook.id, caller)) {
    const refusal = notAnApprover(request, caller, deps.policy);
    deps.log.warn("approval refused", { id, by: caller, reason: refusal.message });
    return jsonError(403, refusal.message);
  }
  const body = parseBody(event);
  if (typeof body === "string") return jsonError(400, body);
  try {
    const result = await decideApproval(
      id,
      { verdict: verdict === "approve" ? "approve" : "deny", by: caller, reason: body.reason },
      voteDeps(deps),
    );
    deps.log.info("approval decided", { id, by: caller, via: "api", outcome: result.outcome });
    return jsonResult(200, {
      outcome: result.outcome,
      approval: approvalView(result.request, deps.clock.now()),
      dispatched: result.dispatched === true,
    });
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === undefined) throw error;
    deps.log.warn("approval refused", { id, by: caller, reason: (error as Error).message });
    return jsonError(refusal.status, (error as Error).message);
  }
}

/** The decision's JSON body, or the problem with it (a sentence that says how to fix it). */
function parseBody(event: HttpApiEvent): { readonly reason: string } | string {
  const text = bodyText(event);
  if (text === undefined) return 'the body is larger than 16 KiB; send {"reason": "…"} only';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `the body ${show(text, 60)} is not JSON; send {"reason": "why you decide so"} with Content-Type: application/json`;
  }
  const parsed = decisionBody.safeParse(value);
  if (!parsed.success) {
    return `the body ${show(value, 60)} is not {"reason": "…"}: ${parsed.error.issues
      .map((i) => `${i.path.join(".") || "body"} ${i.message}`)
      .join("; ")}`;
  }
  return parsed.data;
}
