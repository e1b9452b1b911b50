import { VigilError } from "../../shared/domain/errors.ts";
import type { ArchivedObject } from "../../shared/ports/record-archive.ts";

/** Where exports live in the records bucket. */
export const EXPORT_PREFIX = "records/";

const EXPORT_KEY = /^records\/(\d{4})\/(\d{2})\/(\d{2})\/([1-9]\d*)-([1-9]\d*)\.jsonl$/;

/** The records already exported do not form one unbroken run of sequence numbers. */
export class ArchiveInconsistentError extends VigilError {
  override name = "ArchiveInconsistentError";
}

/** One export object and the records it holds (`firstSeq` to `lastSeq`, inclusive). */
export interface ExportedRange {
  readonly object: ArchivedObject;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/**
 * The key of an export written at `at` (epoch ms, its UTC day) holding records `firstSeq` to
 * `lastSeq`: `records/YYYY/MM/DD/<firstSeq>-<lastSeq>.jsonl`.
 */
export function exportKey(at: number, firstSeq: number, lastSeq: number): string {
  const day = new Date(at).toISOString().slice(0, 10).replaceAll("-", "/");
  return `${EXPORT_PREFIX}${day}/${firstSeq}-${lastSeq}.jsonl`;
}

/** The range an export key names, or undefined when the key is not an export's. */
export function parseExportKey(key: string): { firstSeq: number; lastSeq: number } | undefined {
  const match = EXPORT_KEY.exec(key);
  if (match === null) return undefined;
  const firstSeq = Number(match[4]);
  const lastSeq = Number(match[5]);
  return firstSeq <= lastSeq ? { firstSeq, lastSeq } : undefined;
}

/** What the archive holds: the exports in sequence order, the last one, and keys that are not exports. */
export interface ArchiveState {
  readonly ranges: readonly ExportedRange[];
  /** The export holding the highest sequence number; undefined before the first export. */
  readonly last: ExportedRange | undefined;
  /** The highest sequence number exported (0 before the first export): the export cursor. */
  readonly cursor: number;
  readonly foreign: readonly string[];
}

/**
 * Reads the export cursor from the archive's keys and checks that the exports tile one unbroken run
 * of sequence numbers (from the oldest kept to the newest): a gap would mean records were never
 * exported, an overlap that some were exported twice; either throws ArchiveInconsistentError naming
 * the two keys, because the next export would build on it.
 */
export function archiveState(objects: readonly ArchivedObject[]): ArchiveState {
  const ranges: ExportedRange[] = [];
  const foreign: string[] = [];
  for (const object of objects) {
    const range = parseExportKey(object.key);
    if (range === undefined) foreign.push(object.key);
    else ranges.push({ object, ...range });
  }
  ranges.sort((a, b) => a.firstSeq - b.firstSeq || a.lastSeq - b.lastSeq);
  for (let i = 1; i < ranges.length; i++) {
    const before = ranges[i - 1]!;
    const after = ranges[i]!;
    if (after.firstSeq === before.lastSeq + 1) continue;
    const what =
      after.firstSeq <= before.lastSeq
        ? `records ${after.firstSeq} to ${Math.min(before.lastSeq, after.lastSeq)} were exported twice`
        : `records ${before.lastSeq + 1} to ${after.firstSeq - 1} were never exported`;
    throw new ArchiveInconsistentError(
      `the records bucket is inconsistent: ${what} (${before.object.key} and ${after.object.key}); nothing was exported. Exports are written by one function at a time (reserved concurrency 1) and never deleted, so someone else wrote or removed objects under ${EXPORT_PREFIX}: investigate before exporting again`,
      { context: { before: before.object.key, after: after.object.key } },
    );
  }
  const last = ranges.at(-1);
  return { ranges, last, cursor: last?.lastSeq ?? 0, foreign };
}
