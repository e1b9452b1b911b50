import type { ApprovalRequest } from "../../domain/approvals/request.ts";
import type { LinkAction } from "../../domain/signed-links/approval-link.ts";
import { type Html, html } from "../html.ts";
import { duration } from "../layout.ts";
import { requestCard } from "./approvals.ts";

/**
 * The page a signed approval link opens on a phone: one request (the exposure, its reasons, the exact
 * steps, the time left) and a form with a reason field and the one button the link allows. The form
 * posts back to the link's own URL (no `action` attribute: the token stays out of the markup). Every
 * request-derived string goes through `html`, so attacker-controlled text renders as text.
 */

const BUTTONS: Readonly<Record<LinkAction, Html>> = {
  approve: html`<button class="primary" type="submit">Approve: run these steps</button>`,
  deny: html`<button class="danger" type="submit">Deny: nothing runs</button>`,
};

/**
 * The body of a link's page for a pending request: who decides, the request, and the form of the
 * link's one action (a reason is required). `reason` refills the field after a refused submission.
 */
export function linkDecisionPage(input: {
  readonly request: ApprovalRequest;
  readonly approver: string;
  readonly action: LinkAction;
  readonly now: number;
  /** When the link stops working (at or before the request's expiry). */
  readonly linkExpiresAt: number;
  readonly reason?: string;
}): Html {
  const { request, approver, action, now } = input;
  const verb = action === "approve" ? "approve" : "deny";
  return html`<p class="meta">You decide as <strong>${approver}</strong>. This link can only ${verb} this request, works once, and stops working in ${duration(input.linkExpiresAt - now)}.</p>
${requestCard(request, now)}
<form class="decide" method="post">
<label for="reason">Reason (required)</label>
<textarea id="reason" name="reason" required maxlength="1000" placeholder="${action === "approve" ? "e.g. confirmed with the owner: not a deploy" : "e.g. expected: DR drill"}">${input.reason ?? ""}</textarea>
<div class="actions">${BUTTONS[action]}</div>
</form>`;
}

/** The body of a page that tells what happened or why nothing could be done, and what to do next. */
export function linkOutcomePage(input: {
  readonly request?: ApprovalRequest;
  readonly now: number;
  /** What to do next (one sentence). */
  readonly next: string;
}): Html {
  return html`<p>${input.next}</p>
${input.request === undefined ? "" : requestCard(input.request, input.now)}`;
}

/** The body of the approvals endpoint's front page: it has nothing to show without a link. */
export function linkIndexPage(): Html {
  return html`<p>Approval requests are decided here through the signed links vigil sends with each request. Open the link from the notification; each link works once, for the approver it names.</p>
<p class="meta">Command-line and automation clients use the IAM-authorized JSON API under <code>/api/approvals</code>.</p>`;
}
