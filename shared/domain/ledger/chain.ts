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
 * What verifyChain walks: each call starts a new walk of the stored items, in stored order (e.g.
 * `() => ledger.stored()`, or `() => records` for an array). A second walk happens only to explain a
 * break whose earlier records must be looked at again, so memory stays flat however long the chain.
 */
export type ChainSource = () => AsyncIterable<unknown> | Iterable<unknown>;

/** What the walk after a break saw, for classifying it without keeping the records. */
interface AfterBreak {
  /** The item right after the broken record: undefined when there is none or it is not a record. */
  next: LedgerRecord | undefined;
  /** The first later record numbered between the expected sequence and the broken record's. */
  misplaced: LedgerRecord | undefined;
  /** The first later record the broken record chains to. */
  successor: LedgerRecord | undefined;
}

/** The broken record, where it is, the record accepted before it, and what came after it. */
interface Break {
  readonly record: LedgerRecord;
  readonly position: number;
  readonly prev: LedgerRecord | undefined;
  readonly after: AfterBreak;
  seen: number;
}

/**
 * Walks a stored chain in stored order and returns the first bad record: `edited` (its content no
 * longer matches its hash, or it is not a record at all, or a record was re-hashed after an edit so the
 * next one no longer chains to it), `deleted` (a sequence gap whose records are nowhere), `inserted`
 * (a sequence number repeats, or a record does not chain to the one before it) or `reordered` (a
 * record comes before one with a lower sequence number). Items are what the store holds, unvalidated;
 * they are walked one at a time (see ChainSource), and the walk goes on to the end to count them.
 */
export async function verifyChain(walk: ChainSource): Promise<ChainVerdict> {
  let count = 0;
  let prev: LedgerRecord | undefined;
  let problem: TamperProblem | undefined;
  let broken: Break | undefined;
  for await (const item of walk()) {
    count += 1;
    if (problem !== undefined) continue;
    const parsed = LedgerRecordSchema.safeParse(item);
    if (broken !== undefined) {
      noteAfterBreak(broken, parsed.data);
      continue;
    }
    const position = count;
    const record = parsed.data;
    if (record === undefined) {
      const issue = parsed.error?.issues[0];
      const what =
        typeof item === "string"
          ? "its stored text is not JSON"
          : `${issue?.path.join(".") || "record"}: ${issue?.message}`;
      const seq = seqOf(item);
      problem = {
        kind: "edited",
        seq,
        position,
        reason: `the record at position ${position}${seq === undefined ? "" : ` (sequence ${seq})`} is no longer a valid ledger record (${what}): it was edited`,
      };
      continue;
    }
    const actual = recordHash(record);
    if (actual !== record.hash) {
      problem = {
        kind: "edited",
        seq: record.seq,
        position,
        reason: `record ${record.seq} at position ${position} was edited: its content hashes to ${short(actual)} but it was sealed as ${short(record.hash)}`,
      };
      continue;
    }
    const expectedSeq = (prev?.seq ?? 0) + 1;
    const expectedPrev = prev?.hash ?? GENESIS_HASH;
    if (record.seq !== expectedSeq || record.prevHash !== expectedPrev) {
      broken = {
        record,
        position,
        prev,
        after: { next: undefined, misplaced: undefined, successor: undefined },
        seen: 0,
      };
      continue;
    }
    prev = record;
  }
  if (broken !== undefined) problem = await classifyBreak(broken, walk);
  if (problem !== undefined) return { intact: false, count, problem };
  return { intact: true, count, head: prev?.hash ?? GENESIS_HASH };
}

/** Notes what classifyBreak needs to know about one item after the broken record. */
function noteAfterBreak(broken: Break, later: LedgerRecord | undefined): void {
  const { record, prev, after } = broken;
  broken.seen += 1;
  if (broken.seen === 1) after.next = later;
  if (later === undefined) return;
  const expectedSeq = (prev?.seq ?? 0) + 1;
  if (after.misplaced === undefined && later.seq >= expectedSeq && later.seq < record.seq) {
    after.misplaced = later;
  }
  if (after.successor === undefined && later.hash === record.prevHash) after.successor = later;
}

/**
 * Walks the chain again up to the record before `prev` (every one of them was accepted) for the first
 * whose hash is `hash`; returns its position and the sequence number of the record after it.
 */
async function findAnchor(
  walk: ChainSource,
  hash: string,
  before: number,
): Promise<{ position: number; nextSeq: number | undefined } | undefined> {
  let position = 0;
  let anchor: number | undefined;
  for await (const item of walk()) {
    position += 1;
    if (anchor !== undefined) return { position: anchor, nextSeq: seqOf(item) };
    if (position >= before) return undefined;
    if (LedgerRecordSchema.safeParse(item).data?.hash === hash) anchor = position;
  }
  return anchor === undefined ? undefined : { position: anchor, nextSeq: undefined };
}

/** Why the broken record (whose own hash is right) does not follow the record accepted before it. */
async function classifyBreak(broken: Break, walk: ChainSource): Promise<TamperProblem> {
  const { record, position, prev } = broken;
  const { next, misplaced, successor } = broken.after;
  const i = position - 1;
  const expectedSeq = (prev?.seq ?? 0) + 1;
  const at = (r: LedgerRecord) => `record ${r.seq} (${r.time})`;

  if (prev !== undefined && record.seq === prev.seq) {
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
  if (successor !== undefined) {
    return {
      kind: "reordered",
      seq: record.seq,
      position,
      reason: `records were reordered: ${at(record)} at position ${position} chains to ${at(successor)}, which comes after it`,
    };
  }
  const anchor = await findAnchor(walk, record.prevHash, i);
  if (anchor !== undefined) {
    return {
      kind: "inserted",
      seq: anchor.nextSeq,
      position: anchor.position + 1,
      reason: `the records at positions ${anchor.position + 1} to ${i} were inserted: ${at(record)} chains to the record at position ${anchor.position}`,
    };
  }
  return {
    kind: "edited",
    seq: prev.seq,
    position: i,
    reason: `record ${prev.seq} at position ${i} was edited and re-hashed: record ${record.seq} was chained to ${short(record.prevHash)}, not to its hash ${short(prev.hash)}`,
  };
}
