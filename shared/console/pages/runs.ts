import type { KillSwitch, RunRecord, StepRecord } from "../../ports/playbook-run-store.ts";
import { type Html, html } from "../html.ts";
import { duration, instant } from "../layout.ts";

const QUARANTINE_STEPS: ReadonlySet<string> = new Set(["quarantine-role", "quarantine-user"]);

/** One quarantine a run applied, and whether (and when, why) it was lifted by undo. */
export interface Quarantine {
  readonly runId: string;
  readonly target: string;
  readonly credential: string;
  readonly reason: string;
  readonly since: number;
  readonly lifted?: { readonly at: number; readonly reason: string };
}

/**
 * The quarantines the runs applied (a quarantine step that ended `applied` or `already-done`), newest
 * first; a quarantine is lifted when undo reverted its step.
 */
export function quarantinesOf(runs: readonly RunRecord[]): Quarantine[] {
  const out: Quarantine[] = [];
  for (const run of runs) {
    for (const step of run.steps) {
      if (!QUARANTINE_STEPS.has(step.step)) continue;
      if (step.status !== "applied" && step.status !== "already-done") continue;
      out.push({
        runId: run.id,
        target: step.target,
        credential: run.credential,
        reason: run.reason,
        since: step.finishedAt ?? run.updatedAt,
        ...(step.undo?.status === "undone" ? { lifted: { at: step.undo.at, reason: step.undo.reason } } : {}),
      });
    }
  }
  return out.sort((a, b) => b.since - a.since);
}

function stepLine(step: StepRecord): Html {
  const undo =
    step.undo === undefined ? "" : html` · undo <strong>${step.undo.status}</strong>: ${step.undo.reason}`;
  return html`<li><code>${step.step}</code> ${step.target} — <strong>${step.status}</strong>${step.reason === undefined ? "" : html`: ${step.reason}`}${undo}</li>`;
}

function quarantineItem(q: Quarantine, now: number): Html {
  const state =
    q.lifted === undefined
      ? html`<span class="badge state-bad">quarantined</span> <span class="meta">for ${duration(now - q.since)}</span>`
      : html`<span class="badge state-ok">lifted</span> <span class="meta">${instant(q.lifted.at)}: ${q.lifted.reason}</span>`;
  return html`<li class="card quarantine"><h2>${q.target}</h2>
<p>${state}</p>
<p class="meta">since ${instant(q.since)} · ${q.credential} · run <code>${q.runId}</code></p>
<p>${q.reason}</p></li>`;
}

/**
 * Quarantines (active first, then lifted) and every playbook run with its steps and undo, plus the
 * kill switch state.
 */
export function runsPage(input: {
  readonly runs: readonly RunRecord[];
  readonly killSwitch: KillSwitch | undefined;
  readonly now: number;
}): Html {
  const { runs, killSwitch, now } = input;
  const quarantines = quarantinesOf(runs);
  const ordered = [...quarantines.filter((q) => !q.lifted), ...quarantines.filter((q) => q.lifted)];
  const kill =
    killSwitch === undefined
      ? html`<p class="meta">Kill switch: <span class="state-ok">off</span> — playbooks may act.</p>`
      : html`<p class="notice error">Kill switch ON since ${instant(killSwitch.since)}: ${killSwitch.reason}</p>`;
  const runItems = [...runs]
    .sort((a, b) => b.createdAt - a.createdAt)
    .map(
      (r) => html`<li class="card run"><h2><code>${r.playbook}</code> ${r.credential}</h2>
<p><strong>${r.status}</strong> <span class="meta">· started ${instant(r.createdAt)} · run <code>${r.id}</code></span></p>
<p class="meta">principal <code>${r.principal}</code> · ${r.reason}</p>
<ol class="steps">${r.steps.map(stepLine)}</ol></li>`,
    );
  return html`${kill}
<section aria-labelledby="quarantines"><h2 id="quarantines">Quarantines</h2>
${ordered.length === 0 ? html`<p class="empty">No quarantines.</p>` : html`<ul class="plain">${ordered.map((q) => quarantineItem(q, now))}</ul>`}
</section>
<section aria-labelledby="runs"><h2 id="runs">Playbook runs</h2>
${runItems.length === 0 ? html`<p class="empty">No playbook runs. <code>vigil replay --apply</code> starts them.</p>` : html`<ul class="plain">${runItems}</ul>`}
</section>`;
}
