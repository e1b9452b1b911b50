import type { html } from "../../shared/console/html.ts";
import { layout, type Notice } from "../../shared/console/layout.ts";
import { linkDecisionPage, linkOutcomePage } from "../../shared/console/pages/approval-link.ts";
import { mayDecidePlaybook } from "../../shared/domain/approvals/approvers.ts";
import { type ApprovalRequest, statusAt } from "../../shared/domain/approvals/request.ts";
import { closedReason } from "../../shared/domain/approvals/verdict.ts";
import { decideApproval } from "../../shared/domain/approvals/vote.ts";
import {
  type ApprovalLink,
  redeemApprovalLink,
  SignedLinkError,
  verifyApprovalLink,
} from "../../shared/domain/signed-links/approval-link.ts";
import type { ApprovalsHandlerDeps } from "./approvals-handler.ts";
import { bodyText, type HttpApiEvent, type HttpApiResult, htmlResult, sameOriginPost } from "./http.ts";
import { notAnApprover, refusalOf } from "./outcomes.ts";
import { voteDeps } from "./vote-deps.ts";

/**
 * The signed-link pages, for on-call engineers on their phones: no sign-in, the link is the
 * credential. GET shows the request and a form, and never changes anything (mail scanners and link
 * previews fetch links); POST (same origin only) checks the reason, consumes the link (once only) and
 * casts its vote in the name of the approver it was made for, who must still be an approver of the
 * request's playbook. A denied, decided or expired request shows why, with no form, and cannot be
 * decided through a link.
 */

function page(status: number, title: string, body: ReturnType<typeof html>, notice?: Notice): HttpApiResult {
  return htmlResult(
    status,
    layout({ title, current: "", sections: [], body, ...(notice ? { notice } : {}) }),
  );
}

const UNCHANGED =
  "Nothing was changed. Ask for a new link, or decide with the approvals API (vigil CLI, IAM-signed).";
const LINK_SPENT =
  "Your vote was not recorded, and this link is now used. Ask for a new link, or decide with the approvals API (vigil CLI, IAM-signed).";

function refusedPage(
  status: number,
  title: string,
  text: string,
  request?: ApprovalRequest,
  now = 0,
  next = UNCHANGED,
) {
  return page(status, title, linkOutcomePage({ ...(request === undefined ? {} : { request }), now, next }), {
    kind: "error",
    text,
  });
}

const TITLES = { approve: "Approve request", deny: "Deny request" } as const;

/**
 * What stands between the link and a vote on `request` now: the approver is no longer allowed, the
 * request is closed (decided or expired), or this approver already gave the first of two approvals.
 */
function obstacle(
  link: ApprovalLink,
  request: ApprovalRequest,
  deps: ApprovalsHandlerDeps,
  now: number,
): HttpApiResult | undefined {
  if (!mayDecidePlaybook(deps.policy, request.playbook.id, link.approver)) {
    return refusedPage(
      403,
      "Not allowed to decide",
      notAnApprover(request, link.approver, deps.policy).message,
      request,
      now,
    );
  }
  const status = statusAt(request, now);
  if (status === "expired") {
    return refusedPage(
      410,
      "Request expired",
      `${closedReason(request)}; nothing was executed`,
      request,
      now,
    );
  }
  if (status !== "pending") return refusedPage(409, "Already decided", closedReason(request), request, now);
  if (link.action === "approve" && request.approvals.some((a) => a.by === link.approver)) {
    return refusedPage(
      409,
      "Already approved by you",
      `${link.approver} already approved request ${request.id}; the two-person rule for playbook ${request.playbook.id} needs a second, different approver`,
      request,
      now,
    );
  }
  return undefined;
}

/** Verifies the link and loads its request, or the page that says why it cannot be used. */
async function open(
  token: string,
  deps: ApprovalsHandlerDeps,
  now: number,
): Promise<{ link: ApprovalLink; request: ApprovalRequest } | HttpApiResult> {
  let link: ApprovalLink;
  try {
    link = verifyApprovalLink(token, deps.secret, now);
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === undefined) throw error;
    deps.log.warn("link refused", { refusal: refusal.title });
    return refusedPage(refusal.status, refusal.title, (error as Error).message);
  }
  const request = await deps.approvals.get(link.requestId);
  if (request === undefined) {
    return refusedPage(
      404,
      "Request not found",
      `the link is for approval request ${link.requestId}, which is not in vigil's store (it may have been removed); nothing can be decided through it`,
    );
  }
  return { link, request };
}

/** GET /links/{token}: the request and the link's one form. Reads only. */
export async function linkGet(token: string, deps: ApprovalsHandlerDeps): Promise<HttpApiResult> {
  const now = deps.clock.now();
  const opened = await open(token, deps, now);
  if ("statusCode" in opened) return opened;
  const { link, request } = opened;
  const blocked = obstacle(link, request, deps, now);
  if (blocked !== undefined) return blocked;
  return decisionPage(200, link, request, now);
}

/** The page of a link's one decision (with the reason typed so far and a notice, after a refused form). */
function decisionPage(
  status: number,
  link: ApprovalLink,
  request: ApprovalRequest,
  now: number,
  refused?: { readonly reason: string; readonly notice: Notice },
): HttpApiResult {
  return page(
    status,
    `${TITLES[link.action]} ${request.id}`,
    linkDecisionPage({
      request,
      approver: link.approver,
      action: link.action,
      now,
      linkExpiresAt: link.expiresAt,
      ...(refused === undefined ? {} : { reason: refused.reason }),
    }),
    refused?.notice,
  );
}

/** POST /links/{token}: consumes the link and casts its vote, with the form's reason. */
export async function linkPost(
  token: string,
  event: HttpApiEvent,
  deps: ApprovalsHandlerDeps,
): Promise<HttpApiResult> {
  const now = deps.clock.now();
  if (!sameOriginPost(event, deps.baseUrl)) {
    return refusedPage(
      403,
      "Refused",
      `a form from ${JSON.stringify(event.headers.origin)} cannot decide anything here; open the link from the notification and submit its own page`,
    );
  }
  const opened = await open(token, deps, now);
  if ("statusCode" in opened) return opened;
  const { link, request } = opened;
  const blocked = obstacle(link, request, deps, now);
  if (blocked !== undefined) return blocked;
  const form = readForm(event);
  const reason = (form?.get("reason") ?? "").trim();
  if (form === undefined || reason === "" || reason.length > 1000) {
    const problem =
      form === undefined
        ? "the form could not be read (send it from this page, as application/x-www-form-urlencoded, under 16 KiB)"
        : reason === ""
          ? `${link.action === "approve" ? "approving" : "denying"} needs a reason: say why, then submit again`
          : "the reason is longer than 1000 characters: shorten it, then submit again";
    return decisionPage(400, link, request, now, {
      reason,
      notice: { kind: "error", text: `${problem}. The link was not used.` },
    });
  }
  try {
    await redeemApprovalLink(token, request.id, deps);
    const result = await decideApproval(
      request.id,
      { verdict: link.action, by: link.approver, reason },
      voteDeps(deps),
    );
    deps.log.info("approval decided", {
      id: request.id,
      by: link.approver,
      via: "link",
      link: link.id,
      outcome: result.outcome,
    });
    const text =
      result.outcome === "approved"
        ? `Request ${request.id} approved by ${link.approver}: its playbook is queued and runs shortly; the steps and their outcome are recorded.`
        : result.outcome === "awaiting-second"
          ? `Your approval of request ${request.id} is recorded; a second, different approver is needed before anything runs.`
          : `Request ${request.id} denied by ${link.approver}: nothing runs.`;
    return page(
      200,
      result.outcome === "denied" ? "Denied" : "Approved",
      linkOutcomePage({ request: result.request, now: deps.clock.now(), next: "You can close this page." }),
      { kind: "ok", text },
    );
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === undefined) throw error;
    deps.log.warn("link vote refused", {
      id: request.id,
      by: link.approver,
      reason: (error as Error).message,
    });
    const current = (await deps.approvals.get(request.id)) ?? request;
    const spent = !(error instanceof SignedLinkError);
    return refusedPage(
      refusal.status,
      refusal.title,
      (error as Error).message,
      current,
      deps.clock.now(),
      spent ? LINK_SPENT : UNCHANGED,
    );
  }
}

/** The form fields of a POST body, or undefined when it is not a readable form. */
function readForm(event: HttpApiEvent): URLSearchParams | undefined {
  const type = (event.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  const text = bodyText(event);
  return text === undefined ? undefined : new URLSearchParams(text);
}
