import type { Exposure } from "../../domain/finding.ts";
import { type Html, html } from "../html.ts";

/** The severity badge of a score band. */
export function severityBadge(severity: Exposure["severity"]): Html {
  return html`<span class="badge sev-${severity}">${severity}</span>`;
}

function exposureCard(e: Exposure, rank: number): Html {
  const factors = e.factors.map(
    (f) => html`<li><span class="points">+${f.points}</span> <strong>${f.name}</strong> — ${f.reason}</li>`,
  );
  const reasons = e.reasons.map((r) => html`<li><code>${r.signal}</code> ${r.reason}</li>`);
  const steps =
    e.playbook === null
      ? html`<p class="empty">no playbook planned</p>`
      : html`<p class="meta">playbook <code>${e.playbook.id}</code></p>
<ol>${e.playbook.steps.map((s) => html`<li><code>${s.step}</code> ${s.description}</li>`)}</ol>`;
  return html`<article class="card exposure" id="exposure-${rank}">
<span class="score" title="exposure score">${e.score}</span>
<h2>#${rank} <code>${e.credential.kind}</code> ${e.credential.id}</h2>
<p>${severityBadge(e.severity)} <span class="meta">${e.findings} finding${e.findings === 1 ? "" : "s"} · ${e.firstSeen} → ${e.lastSeen}</span></p>
<p class="meta">principal <code>${e.principal}</code>${e.owner === undefined ? "" : html` · owner ${e.owner}`}</p>
<p><strong>${e.decision}</strong> — ${e.decisionReason}</p>
<h3>Why</h3>
<ul class="plain reasons">${reasons}</ul>
<details><summary>Score factors (${e.factors.length})</summary><ul class="plain factors">${factors}</ul></details>
<details><summary>Planned steps</summary>${steps}</details>
</article>`;
}

/** The ranked exposures, highest score first: the answer to "what do we fix first". */
export function exposuresPage(exposures: readonly Exposure[]): Html {
  if (exposures.length === 0) {
    return html`<p class="empty">No exposures in this store yet. Run <code>vigil replay FILE --store PATH</code> first.</p>`;
  }
  const ranked = [...exposures].sort((a, b) => b.score - a.score);
  return html`<p class="meta">${ranked.length} exposure${ranked.length === 1 ? "" : "s"}, highest score first.</p>
${ranked.map((e, i) => exposureCard(e, i + 1))}`;
}
