import { type BreakGlassException, scopeText, statusAt } from "../../domain/exceptions/exception.ts";
import { CSRF_FIELD } from "../csrf.ts";
import { type Html, html } from "../html.ts";
import { duration, instant } from "../layout.ts";

function exceptionCard(e: BreakGlassException, now: number, csrf: string): Html {
  const status = statusAt(e, now);
  const state =
    status === "active"
      ? html`<span class="badge state-warn">active</span> <span class="meta time-left">${duration(e.expiresAt - now)} left (until ${instant(e.expiresAt)})</span>`
      : status === "revoked"
        ? html`<span class="badge state-ok">revoked</span> <span class="meta">by ${e.revoked?.by} at ${instant(e.revoked?.at ?? e.expiresAt)}: ${e.revoked?.reason}</span>`
        : html`<span class="badge state-ok">expired</span> <span class="meta">at ${instant(e.expiresAt)}</span>`;
  const revoke =
    status === "active"
      ? html`<form class="inline" method="post" action="/exceptions/revoke">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<input type="hidden" name="id" value="${e.id}">
<label for="revoke-${e.id}">Reason to revoke (required)</label>
<input type="text" id="revoke-${e.id}" name="reason" required maxlength="1000">
<div class="actions"><button class="danger" type="submit">Revoke</button></div>
</form>`
      : "";
  return html`<article class="card exception" id="exception-${e.id}">
<h2>${scopeText(e.scope)}</h2>
<p>${state}</p>
<p>${e.reason}</p>
<p class="meta">granted by ${e.grantedBy} at ${instant(e.grantedAt)} · playbooks ${e.playbooks.length === 0 ? "all" : e.playbooks.join(", ")} · signals ${e.signals.length === 0 ? "any" : e.signals.join(", ")} · <code>${e.id}</code></p>
${e.lift === undefined ? "" : html`<p class="meta">lifts the quarantine of <code>${e.lift.target}</code> (run <code>${e.lift.runId}</code>)</p>`}
${revoke}
</article>`;
}

/**
 * Break-glass exceptions: a grant form (scope, hours up to the configured maximum, playbooks, reason),
 * the active ones with the time left and a revoke form, then the ended ones.
 */
export function exceptionsPage(input: {
  readonly exceptions: readonly BreakGlassException[];
  readonly now: number;
  readonly csrf: string;
  readonly operator: string;
  readonly maxHours: number;
}): Html {
  const { exceptions, now, csrf } = input;
  const active = exceptions
    .filter((e) => statusAt(e, now) === "active")
    .sort((a, b) => a.expiresAt - b.expiresAt);
  const ended = exceptions.filter((e) => statusAt(e, now) !== "active");
  return html`<form class="card inline grant" method="post" action="/exceptions/grant">
<h2>Grant a break-glass exception</h2>
<p class="meta">While it is in force vigil keeps detecting and recording, but acts on nothing it covers. You grant as <strong>${input.operator}</strong>.</p>
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<div class="columns"><div><label for="scope-kind">Scope</label><select id="scope-kind" name="scopeKind">
<option value="credential">credential (kind:id, AKIA…, role ARN)</option><option value="principal">principal ARN</option><option value="pattern">pattern with *</option></select></div>
<div><label for="scope">Credential, principal or pattern</label><input type="text" id="scope" name="scope" required maxlength="2048" placeholder="access-key:AKIA… or arn:aws:iam::…:role/…"></div></div>
<div class="columns"><div><label for="hours">Hours (at most ${input.maxHours})</label><input type="number" id="hours" name="hours" required min="0.1" max="${input.maxHours}" step="0.1" value="2"></div>
<div><label for="playbooks">Playbooks (comma-separated; empty: all)</label><input type="text" id="playbooks" name="playbooks" maxlength="500"></div></div>
<label for="grant-reason">Reason (required)</label><textarea id="grant-reason" name="reason" required maxlength="1000" placeholder="e.g. incident 4711: the deploy role must keep working"></textarea>
<div class="actions"><button class="primary" type="submit">Grant</button></div>
</form>
<section aria-labelledby="active"><h2 id="active">Active (${active.length})</h2>
${active.length === 0 ? html`<p class="empty">No exception is in force.</p>` : active.map((e) => exceptionCard(e, now, csrf))}
</section>
<section aria-labelledby="ended"><h2 id="ended">Ended (${ended.length})</h2>
${ended.length === 0 ? html`<p class="empty">None yet.</p>` : ended.map((e) => exceptionCard(e, now, csrf))}
</section>`;
}
