import { canonicalJson } from "../../domain/ledger/canonical-json.ts";
import type { ChainVerdict } from "../../domain/ledger/chain.ts";
import type { LedgerQuery } from "../../domain/ledger/query.ts";
import type { LedgerRecord } from "../../domain/ledger/record.ts";
import { type Html, html } from "../html.ts";

/** The records page shows at most this many records, newest first; exports hold all of them. */
export const TIMELINE_LIMIT = 500;

/** The filter as typed in the form: dates as `2026-03-01`, the subject as an id or `kind:id`. */
export interface RecordsFilter {
  readonly from?: string;
  readonly to?: string;
  readonly subject?: string;
}

/** The export formats the page links to, as `/records/export?format=…`. */
export const EXPORT_FORMATS = ["jsonl", "csv", "report"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The query string of a filter (empty fields left out), for export links. */
export function filterQuery(filter: RecordsFilter, extra: Readonly<Record<string, string>> = {}): string {
  const params = new URLSearchParams(extra);
  for (const key of ["from", "to", "subject"] as const) {
    const value = filter[key];
    if (value !== undefined && value !== "") params.set(key, value);
  }
  return params.toString();
}

function verdictBlock(verdict: ChainVerdict): Html {
  return verdict.intact
    ? html`<p class="notice ok verdict" role="status"><strong>Chain intact</strong>: ${verdict.count} records verified, head hash <code>${verdict.head.slice(0, 16)}…</code></p>`
    : html`<p class="notice error verdict" role="alert"><strong>Chain TAMPERED (${verdict.problem.kind})</strong> at position ${verdict.problem.position}: ${verdict.problem.reason}</p>`;
}

function recordItem(r: LedgerRecord): Html {
  return html`<li class="record" id="record-${r.seq}">
<div class="head"><strong>#${r.seq}</strong> <span class="mono">${r.time}</span> <code>${r.action}</code> <span class="meta">${r.actor.kind}:${r.actor.id}</span></div>
<div class="meta">about <code>${r.subject.kind}:${r.subject.id}</code></div>
<p class="reason">${r.reason}</p>
<details><summary>Change and controls</summary><p><code class="change">${canonicalJson(r.change)}</code></p>
<p class="meta">NIST CSF ${r.controls.nistCsf.join(" ") || "—"} · OWASP NHI ${r.controls.owaspNhi.join(" ") || "—"}</p>
<p class="meta mono">hash ${r.hash}</p></details>
</li>`;
}

/**
 * The records timeline (newest first, at most {@link TIMELINE_LIMIT}), the verdict of walking the whole
 * chain, a filter form and export links that carry the filter.
 */
export function recordsPage(input: {
  readonly records: readonly LedgerRecord[];
  readonly verdict: ChainVerdict;
  readonly filter: RecordsFilter;
}): Html {
  const { records, verdict, filter } = input;
  const newest = [...records].reverse().slice(0, TIMELINE_LIMIT);
  const exports = EXPORT_FORMATS.map(
    (format) =>
      html`<a class="button" href="/records/export?${filterQuery(filter, { format })}" download>${format === "report" ? "Audit report (Markdown)" : format === "csv" ? "CSV" : "JSON Lines"}</a>`,
  );
  return html`${verdictBlock(verdict)}
<form class="card filters" method="get" action="/records">
<div><label for="subject">Subject</label><input type="text" id="subject" name="subject" value="${filter.subject ?? ""}" placeholder="AKIA… or kind:id"></div>
<div><label for="from">From (inclusive)</label><input type="date" id="from" name="from" value="${filter.from ?? ""}"></div>
<div><label for="to">To (exclusive)</label><input type="date" id="to" name="to" value="${filter.to ?? ""}"></div>
<div class="actions"><button type="submit">Filter</button></div>
</form>
<section aria-labelledby="exports" class="card"><h2 id="exports">Export</h2><div class="actions">${exports}</div></section>
<p class="meta">${records.length} matching record${records.length === 1 ? "" : "s"}${records.length > TIMELINE_LIMIT ? `, the newest ${TIMELINE_LIMIT} shown` : ""}, newest first.</p>
${newest.length === 0 ? html`<p class="empty">No records.</p>` : html`<ol class="timeline">${newest.map(recordItem)}</ol>`}`;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` date as the record time of its midnight UTC; undefined for anything else. */
function midnight(text: string): string | undefined {
  const m = DAY.exec(text);
  if (m === null) return undefined;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return at.getUTCDate() === Number(m[3]) && at.getUTCMonth() === Number(m[2]) - 1
    ? at.toISOString()
    : undefined;
}

/**
 * Reads the filter of the records page and its exports from a query string: the ledger query, or
 * why the filter cannot be used (the page then shows every record and says so).
 */
export function parseRecordsFilter(params: URLSearchParams): {
  filter: RecordsFilter;
  query: LedgerQuery;
  error?: string;
} {
  const text = (name: string) => {
    const value = params.get(name)?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const filter: RecordsFilter = { from: text("from"), to: text("to"), subject: text("subject") };
  const from = filter.from === undefined ? undefined : midnight(filter.from);
  const to = filter.to === undefined ? undefined : midnight(filter.to);
  const bad = [
    filter.from !== undefined && from === undefined ? `from ${JSON.stringify(filter.from)}` : "",
    filter.to !== undefined && to === undefined ? `to ${JSON.stringify(filter.to)}` : "",
  ].filter((s) => s !== "");
  if (bad.length > 0) {
    return {
      filter,
      query: {},
      error: `${bad.join(" and ")} is not a date; write it like 2026-03-01 (midnight UTC). Showing every record.`,
    };
  }
  if (from !== undefined && to !== undefined && from >= to) {
    return {
      filter,
      query: {},
      error: `from ${filter.from} is not before to ${filter.to}; the period ends before "to". Showing every record.`,
    };
  }
  return { filter, query: { from, to, subject: filter.subject } };
}
