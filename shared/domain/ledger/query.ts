import type { LedgerRecord } from "./record.ts";

/**
 * Which records to read: a period, `from` inclusive and `to` exclusive (record times, written like
 * `2026-03-01T00:00:00.000Z`), and a subject given as its id (`AKIA…`) or as `kind:id`.
 */
export interface LedgerQuery {
  readonly from?: string;
  readonly to?: string;
  readonly subject?: string;
}

/** True when `record` is inside the query's period and about its subject. */
export function matchesQuery(record: LedgerRecord, query: LedgerQuery): boolean {
  if (query.from !== undefined && record.time < query.from) return false;
  if (query.to !== undefined && record.time >= query.to) return false;
  if (query.subject !== undefined) {
    const { kind, id } = record.subject;
    if (query.subject !== id && query.subject !== `${kind}:${id}`) return false;
  }
  return true;
}
