import { type ApprovalRequest, statusAt } from "../../domain/approvals/request.ts";
import { CSRF_FIELD } from "../csrf.ts";
import { type Html, html } from "../html.ts";
import { duration, instant } from "../layout.ts";
import { severityBadge } from "./exposures.ts";

function steps(request: ApprovalRequest): Html {
  return html`<ol class="steps">${request.playbook.steps.map(
    (s) =>
      html`<li><code>${s.step}</code> on <code>${s.target}</code><br>${s.description}${
        Object.keys(s.params).length === 0
          ? ""
          : html`<br><span class="meta">${Object.entries(s.params).map(([k, v]) => html`<code>${k}=${v}</code> `)}</span>`
      }</li>`,
  )}</ol>${request.playbook.notes.length === 0 ? "" : html`<ul class="meta">${request.playbook.notes.map((n) => html`<li>${n}</li>`)}</ul>`}`;
}

function decisionForm(request: ApprovalRequest, csrf: string): Html {
  return html`<form class="inline" method="post" action="/approvals/decide">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<input type="hidden" name="id" value="${request.id}">
<label for="reason-${request.id}">Reason (required)</label>
<textarea id="reason-${request.id}" name="reason" required maxlength="1000" placeholder="e.g. confirmed with the owner: not a deploy"></textarea>
<div class="actions"><button class="primary" type="submit" name="verdict" value="approve">Approve and run</button><button class="danger" type="submit" name="verdict" value="deny">Deny</button></div>
</form>`;
}

/** A request's state: pending with the time left, or how and by whom it ended. */
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

/**
 * The request as a card: what, state and time left, the exposure and its reasons, the exact steps
 * with their parameters, who may decide, the votes so far, then `form` (the local console's
 * approve/deny form, or nothing). Shared by the console and the signed-link pages.
 */
export function requestCard(request: ApprovalRequest, now: number, form: Html | "" = ""): Html {
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
${steps(request)}
<p class="meta">may decide: ${request.approvers.join(", ")}</p>
${votes}
${form}
</article>`;
}

/**
 * Pending approval requests first (each with its exposure, reasons, exact steps, time left and an
 * approve/deny form that needs a reason), then the decided and expired ones without forms. A request
 * past its expiry shows as expired even before anything marked it.
 */
export function approvalsPage(input: {
  readonly requests: readonly ApprovalRequest[];
  readonly now: number;
  readonly csrf: string;
  readonly operator: string;
}): Html {
  const { requests, now, csrf } = input;
  const pending = requests
    .filter((r) => statusAt(r, now) === "pending")
    .sort((a, b) => a.expiresAt - b.expiresAt);
  const closed = requests.filter((r) => statusAt(r, now) !== "pending");
  return html`<p class="meta">You decide as <strong>${input.operator}</strong>. Approving runs the exact steps listed.</p>
<section aria-labelledby="pending"><h2 id="pending">Pending (${pending.length})</h2>
${pending.length === 0 ? html`<p class="empty">Nothing waits for a decision.</p>` : pending.map((r) => requestCard(r, now, decisionForm(r, csrf)))}
</section>
<section aria-labelledby="closed"><h2 id="closed">Decided and expired (${closed.length})</h2>
${closed.length === 0 ? html`<p class="empty">None yet.</p>` : closed.map((r) => requestCard(r, now))}
</section>`;
}
