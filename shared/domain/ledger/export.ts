import { canonicalJson } from "./canonical-json.ts";
import type { LedgerRecord } from "./record.ts";

/** The records as JSON Lines: one canonical JSON record per line, hashes included, so each line can be re-hashed. */
export function toJsonLines(records: Iterable<LedgerRecord>): string {
  let text = "";
  for (const record of records) text += `${canonicalJson(record)}\n`;
  return text;
}

/** The CSV columns, in order. Controls are space-separated ids; `change` is its canonical JSON. */
export const CSV_COLUMNS = [
  "seq",
  "time",
  "actor_kind",
  "actor_id",
  "action",
  "subject_kind",
  "subject_id",
  "reason",
  "change",
  "nist_csf",
  "owasp_nhi",
  "prev_hash",
  "hash",
] as const;

/** A value a spreadsheet would run as a formula: starts with = + - @ (after blanks), a tab or a carriage return. */
const FORMULA = /^(\s*[=+\-@]|[\t\r])/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or outer blanks, quotes
 * doubled. A value a spreadsheet would evaluate gets a leading apostrophe first: event-derived strings
 * (reasons, ARNs, session names) are attacker-controlled, and `=HYPERLINK(…)` must stay text.
 */
export function csvField(value: string): string {
  const text = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The records as CSV with a header row and CRLF line ends. */
export function toCsv(records: Iterable<LedgerRecord>): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of records) {
    const fields = [
      String(r.seq),
      r.time,
      r.actor.kind,
      r.actor.id,
      r.action,
      r.subject.kind,
      r.subject.id,
      r.reason,
      canonicalJson(r.change),
      r.controls.nistCsf.join(" "),
      r.controls.owaspNhi.join(" "),
      r.prevHash,
      r.hash,
    ];
    lines.push(fields.map(csvField).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
