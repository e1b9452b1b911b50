import { createHash } from "node:crypto";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { type ChainVerdict, verifyChain } from "../../shared/domain/ledger/chain.ts";
import { toJsonLines } from "../../shared/domain/ledger/export.ts";
import { type LedgerRecord, LedgerRecordSchema } from "../../shared/domain/ledger/record.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { LedgerStore } from "../../shared/ports/ledger-store.ts";
import type { RecordArchive } from "../../shared/ports/record-archive.ts";
import type { FunctionLog } from "../common/log.ts";
import { archiveState, EXPORT_PREFIX, exportKey } from "./archive-keys.ts";

/** The export refused to write: the ledger does not verify, or does not match what was exported. */
export class ExportRefusedError extends VigilError {
  override name = "ExportRefusedError";
}

/** The metadata names every export object carries (S3 returns them without `x-amz-meta-`). */
export const EXPORT_METADATA = {
  format: "vigil-format",
  firstSeq: "vigil-first-seq",
  lastSeq: "vigil-last-seq",
  records: "vigil-records",
  prevHash: "vigil-prev-hash",
  lastHash: "vigil-last-hash",
  sha256: "vigil-sha256",
  chain: "vigil-chain",
  chainRecords: "vigil-chain-records",
  chainHead: "vigil-chain-head",
  exportedAt: "vigil-exported-at",
} as const;

/** The value of `vigil-format`: one canonical JSON ledger record per line, hashes included. */
export const EXPORT_FORMAT = "vigil-ledger-jsonl-1";

/** What an export did. */
export type ExportResult =
  | {
      readonly status: "exported" | "already-exported";
      readonly key: string;
      readonly versionId?: string;
      readonly firstSeq: number;
      readonly lastSeq: number;
      readonly records: number;
      readonly sha256: string;
      readonly chain: { readonly records: number; readonly head: string };
    }
  | {
      readonly status: "up-to-date";
      readonly lastSeq: number;
      readonly chain: { readonly records: number; readonly head: string };
    };

/** What the export handler needs. */
export interface ExportDeps {
  readonly ledger: LedgerStore;
  readonly archive: RecordArchive;
  readonly clock: Clock;
  readonly log: FunctionLog;
  /** Where the archive is, for messages: `s3://bucket`. */
  readonly archiveName: string;
}

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const HASH = /^[0-9a-f]{64}$/;

/** The time a schedule's event names (EventBridge `time`, or `scheduledTime` in the Scheduler's input). */
function triggerTime(event: unknown): string | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const { time, scheduledTime } = event as { time?: unknown; scheduledTime?: unknown };
  const value = typeof scheduledTime === "string" ? scheduledTime : time;
  return typeof value === "string" ? show(value, 40) : undefined;
}

function seqOf(item: unknown): number | undefined {
  const seq = typeof item === "object" && item !== null ? (item as { seq?: unknown }).seq : undefined;
  return typeof seq === "number" ? seq : undefined;
}

/**
 * The records export, run daily by a schedule and on demand (the event only names the trigger time):
 * writes the ledger records after the last exported one as ONE JSON Lines object
 * `records/YYYY/MM/DD/<firstSeq>-<lastSeq>.jsonl` (canonical JSON, hashes included) to the archive,
 * with its SHA-256 checked by the store and the chain's verification in the object's metadata.
 *
 * The archive is the cursor: the highest exported sequence number comes from the keys already there,
 * so a retried export never skips or repeats records (a crash before the one write redoes it; after
 * it, the next run starts after it; the same key is never written twice). It refuses, writing
 * nothing and throwing ExportRefusedError, when the whole chain does not verify, when the ledger no
 * longer holds the last exported record as it was exported (rewritten or replaced), and when the
 * exported keys do not form one unbroken run.
 */
export function createExportHandler(deps: ExportDeps): (event: unknown) => Promise<ExportResult> {
  const { ledger, archive, clock, log, archiveName } = deps;
  return async (event) => {
    const started = clock.now();
    const state = archiveState(await archive.list(EXPORT_PREFIX));
    if (state.foreign.length > 0) {
      log.warn("objects under the export prefix that are not exports are left alone", {
        keys: state.foreign.slice(0, 20),
      });
    }
    const cursor = state.cursor;
    let exportedHash: string | undefined;
    if (state.last !== undefined) {
      const metadata = await archive.metadata(state.last.object);
      exportedHash = metadata[EXPORT_METADATA.lastHash];
      if (exportedHash === undefined || !HASH.test(exportedHash)) {
        throw new ExportRefusedError(
          `the last export ${archiveName}/${state.last.object.key} has no ${EXPORT_METADATA.lastHash} metadata (${show(exportedHash)}): it was not written by vigil's export; nothing was exported — investigate the object before exporting again`,
          { context: { key: state.last.object.key } },
        );
      }
    }

    let tail: unknown[] = [];
    let anchor: unknown;
    const verdict: ChainVerdict = await verifyChain(async function* walk() {
      tail = [];
      anchor = undefined;
      for await (const item of ledger.stored()) {
        const seq = seqOf(item);
        if (seq !== undefined && seq > cursor) tail.push(item);
        else if (seq === cursor) anchor = item;
        yield item;
      }
    });
    if (!verdict.intact) {
      log.error("ledger chain does not verify: nothing exported", {
        problem: verdict.problem,
        records: verdict.count,
      });
      throw new ExportRefusedError(
        `refusing to export: the ledger's chain does not verify (${verdict.problem.kind}): ${verdict.problem.reason}. Nothing was exported; the records exported before stay locked in ${archiveName}: compare them with the ledger to find what changed`,
        { context: { problem: verdict.problem, records: verdict.count } },
      );
    }
    const chain = { records: verdict.count, head: verdict.head };
    if (verdict.count < cursor) {
      throw new ExportRefusedError(
        `refusing to export: the ledger holds ${verdict.count} records but records up to ${cursor} were already exported to ${archiveName}: the ledger was truncated or replaced; nothing was exported`,
        { context: { records: verdict.count, cursor } },
      );
    }
    if (cursor > 0) {
      const anchorHash = (anchor as { hash?: unknown } | undefined)?.hash;
      if (anchorHash !== exportedHash) {
        throw new ExportRefusedError(
          `refusing to export: record ${cursor} was exported with hash ${show(exportedHash)} but the ledger now holds hash ${show(anchorHash)}: the ledger was rewritten after it was exported (its chain verifies only because it was re-hashed); nothing was exported — the locked export in ${archiveName} is the original`,
          { context: { seq: cursor, exported: exportedHash, current: anchorHash } },
        );
      }
    }
    if (tail.length === 0) {
      log.info("records export: nothing new", { trigger: triggerTime(event), lastSeq: cursor, chain });
      return { status: "up-to-date", lastSeq: cursor, chain };
    }

    const records: LedgerRecord[] = tail.map((item) => LedgerRecordSchema.parse(item));
    const first = records[0]!;
    const last = records.at(-1)!;
    const body = toJsonLines(records);
    const sha256 = sha256Hex(body);
    const key = exportKey(started, first.seq, last.seq);
    const put = await archive.putOnce({
      key,
      body,
      contentType: "application/x-ndjson",
      sha256,
      metadata: {
        [EXPORT_METADATA.format]: EXPORT_FORMAT,
        [EXPORT_METADATA.firstSeq]: String(first.seq),
        [EXPORT_METADATA.lastSeq]: String(last.seq),
        [EXPORT_METADATA.records]: String(records.length),
        [EXPORT_METADATA.prevHash]: first.prevHash,
        [EXPORT_METADATA.lastHash]: last.hash,
        [EXPORT_METADATA.sha256]: sha256,
        [EXPORT_METADATA.chain]: "intact",
        [EXPORT_METADATA.chainRecords]: String(chain.records),
        [EXPORT_METADATA.chainHead]: chain.head,
        [EXPORT_METADATA.exportedAt]: new Date(started).toISOString(),
      },
    });
    const result: ExportResult = {
      status: put.written ? "exported" : "already-exported",
      key,
      ...(put.versionId === undefined ? {} : { versionId: put.versionId }),
      firstSeq: first.seq,
      lastSeq: last.seq,
      records: records.length,
      sha256,
      chain,
    };
    log.info(put.written ? "records exported" : "records export: this export was already written", {
      trigger: triggerTime(event),
      archive: archiveName,
      ...result,
      bytes: Buffer.byteLength(body, "utf8"),
    });
    return result;
  };
}
