import { createHash } from "node:crypto";
import { show } from "../errors.ts";
import { canonicalJson } from "./canonical-json.ts";
import {
  type LedgerEntry,
  LedgerEntrySchema,
  LedgerError,
  type LedgerRecord,
  LedgerRecordSchema,
} from "./record.ts";

/** The `prevHash` of the first record: a fixed value, so the chain's start is fixed too. */
export const GENESIS_HASH = "0".repeat(64);

/** The SHA-256 (hex) of the canonical JSON of a record without its own `hash`. */
export function recordHash(record: Omit<LedgerRecord, "hash">): string {
  const { hash: _ignored, ...sealed } = record as LedgerRecord;
  return createHash("sha256").update(canonicalJson(sealed), "utf8").digest("hex");
}

/**
 * Seals an entry as the record after `last` (the first record when there is none): the next sequence
 * number, `last`'s hash as `prevHash`, and its own hash. The entry is validated first, so nothing that
 * is not plain JSON of the record's shape is ever sealed.
 */
export function sealRecord(
  entry: LedgerEntry,
  last: Pick<LedgerRecord, "seq" | "hash"> | undefined,
): LedgerRecord {
  const parsed = LedgerEntrySchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LedgerError(
      `cannot record ${show((entry as { action?: unknown }).action)}: ${issue?.path.join(".") || "entry"} ${issue?.message}; build entries with ledgerEntry()`,
      { context: { issues: parsed.error.issues } },
    );
  }
  const unsealed = {
    version: 1 as const,
    seq: (last?.seq ?? 0) + 1,
    ...parsed.data,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  return { ...unsealed, hash: recordHash(unsealed) };
}

/** How a stored chain was tampered with. */
export type TamperKind = "edited" | "deleted" | "inserted" | "reordered";

/** The first bad record of a chain and what happened to it. */
export interface TamperProblem {
  readonly kind: TamperKind;
  /** The sequence number the problem is about: the edited, first missing, inserted or misplaced record. */
  readonly seq: number | undefined;
  /** 1-based position in stored order where the break was found. */
  readonly position: number;
  /** One sentence: what is wrong, with the sequence numbers, times and hashes involved. */
  readonly reason: string;
}

/** The verdict of walking a chain. */
export type ChainVerdict =
  | { readonly intact: true; readonly count: number; readonly head: string }
  | { readonly intact: false; readonly count: number; readonly problem: TamperProblem };

const short = (hash: string) => `${hash.slice(0, 12)}…`;

function seqOf(item: unknown): number | undefined {
  const seq = typeof item === "object" && item !== null ? (item as { seq?: unknown }).seq : undefined;
  return typeof seq === "number" && Number.isInteger(seq) ? seq : undefined;
}

/**
 * Walks a stored chain in stored order and returns the first bad record: `edited` (its content no
 * longer matches its hash, or it is not a record at all, or a record was re-hashed after an edit so the
 * next one no longer chains to it), `deleted` (a sequence gap whose records are nowhere), `inserted`
 * (a sequence number repeats, or a record does not chain to the one before it) or `reordered` (a
 * record comes before one with a lower sequence number). Items are what the store holds, unvalidated.
 */
export function verifyChain(stored: Iterable<unknown>): ChainVerdict {
  const items = [...stored];
  const records = items.map((item) => LedgerRecordSchema.safeParse(item).data);
  const count = items.length;
  let prev: LedgerRecord | undefined;
  for (let i = 0; i < items.length; i++) {
    const position = i + 1;
    const record = records[i];
    if (record === undefined) {
      const issue = LedgerRecordSchema.safeParse(items[i]).error?.issues[0];
      const what =
        typeof items[i] === "string"
          ? "its stored text is not JSON"
          : `${issue?.path.join(".") || "record"}: ${issue?.message}`;
      const seq = seqOf(items[i]);
      return {
        intact: false,
        count,
        problem: {
          kind: "edited",
          seq,
          position,
          reason: `the record at position ${position}${seq === undefined ? "" : ` (sequence ${seq})`} is no longer a valid ledger record (${what}): it was edited`,
        },
      };
    }
    const actual = recordHash(record);
    if (actual !== record.hash) {
      return {
        intact: false,
        count,
        problem: {
          kind: "edited",
          seq: record.seq,
          position,
          reason: `record ${record.seq} at position ${position} was edited: its content hashes to ${short(actual)} but it was sealed as ${short(record.hash)}`,
        },
      };
    }
    const expectedSeq = (prev?.seq ?? 0) + 1;
    const expectedPrev = prev?.hash ?? GENESIS_HASH;
    if (record.seq !== expectedSeq || record.prevHash !== expectedPrev) {
      return { intact: false, count, problem: classifyBreak(records, i, prev) };
    }
    prev = record;
  }
  return { intact: true, count, head: prev?.hash ?? GENESIS_HASH };
}

/** Why `records[i]` (whose own hash is right) does not follow `prev`. */
function classifyBreak(
  records: ReadonlyArray<LedgerRecord | undefined>,
  i: number,
  prev: LedgerRecord | undefined,
): TamperProblem {
  const record = records[i]!;
  const position = i + 1;
  const later = records.slice(i + 1);
  const expectedSeq = (prev?.seq ?? 0) + 1;
  const at = (r: LedgerRecord) => `record ${r.seq} (${r.time})`;

  if (prev !== undefined && record.seq === prev.seq) {
    const next = records[i + 1];
    const prevIsExtra = record.prevHash === prev.prevHash && next?.prevHash === record.hash;
    return prevIsExtra
      ? {
          kind: "inserted",
          seq: prev.seq,
          position: i,
          reason: `the record at position ${i} was inserted: sequence ${prev.seq} appears twice and the chain continues from the one at position ${position}`,
        }
      : {
          kind: "inserted",
          seq: record.seq,
          position,
          reason: `the record at position ${position} was inserted: it repeats sequence ${record.seq} of the record before it`,
        };
  }
  if (prev !== undefined && record.seq < prev.seq) {
    // Accepted records are numbered 1..prev.seq without gaps, so this sequence number was seen already.
    return {
      kind: "inserted",
      seq: record.seq,
      position,
      reason: `the record at position ${position} was inserted: sequence ${record.seq} already appeared before ${at(prev)}`,
    };
  }
  if (record.seq > expectedSeq) {
    const misplaced = later.find((r) => r !== undefined && r.seq >= expectedSeq && r.seq < record.seq);
    if (misplaced !== undefined) {
      return {
        kind: "reordered",
        seq: record.seq,
        position,
        reason: `records were reordered: ${at(record)} at position ${position} comes before ${at(misplaced)}`,
      };
    }
    if (record.prevHash === (prev?.hash ?? GENESIS_HASH)) {
      return {
        kind: "inserted",
        seq: record.seq,
        position,
        reason: `the record at position ${position} was inserted: it claims sequence ${record.seq} but chains directly to ${prev ? `record ${prev.seq}` : "the start"}`,
      };
    }
    const missing =
      record.seq - expectedSeq === 1
        ? `record ${expectedSeq} is`
        : `records ${expectedSeq} to ${record.seq - 1} are`;
    return {
      kind: "deleted",
      seq: expectedSeq,
      position,
      reason: `${missing} missing: ${at(record)} at position ${position} follows ${prev ? at(prev) : "the start of the ledger"}`,
    };
  }
  // The sequence number is the expected one, but the record chains to something else.
  if (prev === undefined) {
    return {
      kind: "inserted",
      seq: record.seq,
      position,
      reason: `the record at position ${position} was inserted in place of the first record: it does not chain from the genesis value`,
    };
  }
  const successor = later.find((r) => r?.hash === record.prevHash);
  if (successor !== undefined) {
    return {
      kind: "reordered",
      seq: record.seq,
      position,
      reason: `records were reordered: ${at(record)} at position ${position} chains to ${at(successor)}, which comes after it`,
    };
  }
  const anchor = records.slice(0, i - 1).findIndex((r) => r?.hash === record.prevHash);
  if (anchor >= 0) {
    return {
      kind: "inserted",
      seq: records[anchor + 1]?.seq,
      position: anchor + 2,
      reason: `the records at positions ${anchor + 2} to ${i} were inserted: ${at(record)} chains to the record at position ${anchor + 1}`,
    };
  }
  return {
    kind: "edited",
    seq: prev.seq,
    position: i,
    reason: `record ${prev.seq} at position ${i} was edited and re-hashed: record ${record.seq} was chained to ${short(record.prevHash)}, not to its hash ${short(prev.hash)}`,
  };
}
