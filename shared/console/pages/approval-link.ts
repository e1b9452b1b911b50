import { type ApprovalRequest, statusAt } from "../../domain/approvals/request.ts";
import type { LinkAction } from "../../domain/signed-links/approval-link.ts";
import { type Html, html } from "../html.ts";
import { duration, instant } from "../layout.ts";
import { severityBadge } from "./exposures.ts";

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

function stepList(request: ApprovalRequest): Html {
  return html`<ol class="steps">${request.playbook.steps.map(
    (s) => html`<li><code>${s.step}</code> on <code>${s.target}</code><br>${s.description}</li>`,
  )}</ol>${request.playbook.notes.length === 0 ? "" : html`<ul class="meta">${request.playbook.notes.map((n) => html`<li>${n}</li>`)}</ul>`}`;
}

function stateLine(request: ApprovalRequest, now: number): Html {
  const status = statusAt(request, now);
  if (status === "pending") {
    return html`<span class="badge state-warn">pending</span> <span class="meta time-left">${duration(request.expiresAt - now)} left (until ${instant(request.expiresAt)})</span>`;
  }
  const d = request.decision;
  return html`<span class="badge ${status === "approved" ? "state-ok" : "state-bad"}">${status}</span>${
    d === undefined
      ? html` <span class="meta">at ${instant(request.expiresAt)}, without a decision</span>`
      : html` <span class="meta">by ${d.by} at ${instant(d.at)}: ${d.reason}</span>`
  }`;
}

/** The request as a card: what, state and time left, the exposure and its reasons, the exact steps. */
export function linkRequestCard(request: ApprovalRequest, now: number): Html {
  const e = request.exposure;
  const votes =
    request.requiredApprovals === 2
      ? html`<p class="meta">Two different approvers needed; ${request.approvals.length} given${request.approvals.map((a) => html` · ${a.by}: ${a.reason}`)}</p>`
      : "";
  return html`<article class="card approval" id="approval-${request.id}">
<span class="score" title="exposure score">${e.score}</span>
<h2>${request.what}</h2>
<p>${stateLine(request, now)}</p>
<p>${severityBadge(e.severity)} <code>${e.credential.kind}</code> ${e.credential.id}</p>
<p class="meta">principal <code>${e.principal}</code>${e.owner === undefined ? "" : html` · owner ${e.owner}`} · request <code>${request.id}</code></p>
<p><strong>Why:</strong> ${request.why}</p>
<h3>Reasons</h3>
<ul class="plain reasons">${e.reasons.map((r) => html`<li><code>${r.signal}</code> ${r.reason}</li>`)}</ul>
<h3>Exact steps</h3>
${stepList(request)}
${votes}
</article>`;
}

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
${linkRequestCard(request, now)}
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
${input.request === undefined ? "" : linkRequestCard(input.request, input.now)}`;
}

/** The body of the approvals endpoint's front page: it has nothing to show without a link. */
export function linkIndexPage(): Html {
  return html`<p>Approval requests are decided here through the signed links vigil sends with each request. Open the link from the notification; each link works once, for the approver it names.</p>
<p class="meta">Command-line and automation clients use the IAM-authorized JSON API under <code>/api/approvals</code>.</p>`;
}
