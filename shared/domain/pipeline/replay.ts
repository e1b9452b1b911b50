import type { ActiveExceptions } from "../../ports/active-exceptions.ts";
import type { Clock } from "../../ports/clock.ts";
import type { NetworkClassifier } from "../../ports/network-classifier.ts";
import type { PrivilegeSource } from "../../ports/privilege-source.ts";
import type { SourceItem } from "../../ports/record-source.ts";
import type { Rejection, RunStore, RunSummary } from "../../ports/run-store.ts";
import { MemoryBaselines } from "../baseline/memory-baselines.ts";
import type { VigilConfig } from "../config/compile.ts";
import type { Detection } from "../detections/detection.ts";
import type { RecordOrigin } from "../event.ts";
import type { Exposure, Finding } from "../finding.ts";
import { normalizeRecord } from "../normalize/normalize.ts";
import { Evaluator } from "./evaluator.ts";
import { ExposureBook } from "./exposure-book.ts";

/** The ports a replay or learn run needs. */
export interface RunDeps {
  readonly config: VigilConfig;
  readonly detections: readonly Detection[];
  readonly network: NetworkClassifier;
  readonly clock: Clock;
  readonly store: RunStore;
  readonly privilege?: PrivilegeSource;
  /**
   * Break-glass exceptions, usually a snapshot loaded once per run (activeExceptionsSnapshot); each
   * decision (findings and exposures) keeps those in force at its own Clock reading. None: nothing is
   * suppressed.
   */
  readonly exceptions?: ActiveExceptions;
  /** Called every `progressEvery` records and once at the end. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressEvery?: number;
  /** Records per committed batch (default 5,000). */
  readonly batchSize?: number;
  /** At most this many rejections are kept for the report (all are counted and stored). */
  readonly maxListedRejections?: number;
}

export interface Progress {
  readonly records: number;
  readonly rejected: number;
  readonly findings: number;
  readonly done: boolean;
}

export interface ReplayResult {
  readonly runId: string;
  readonly summary: RunSummary & { readonly ignored: number };
  readonly rejected: readonly Rejection[];
  /** True when more rejections happened than were kept in `rejected`. */
  readonly rejectedTruncated: boolean;
  readonly findings: readonly Finding[];
  readonly exposures: readonly Exposure[];
}

function sourceOf(origin: RecordOrigin): string {
  return `${origin.file}:${origin.line}`;
}

/**
 * The main job: reads every item, normalizes it, runs the detections, scores, decides and plans, and
 * ranks the exposures. A record that cannot be used is rejected with its reason and the run goes on.
 * With `mode: "learn"` only baselines are built (no findings).
 */
export async function runPipeline(
  items: AsyncIterable<SourceItem>,
  inputs: readonly string[],
  deps: RunDeps,
  mode: "replay" | "learn" = "replay",
): Promise<ReplayResult> {
  const { store, clock } = deps;
  const baselines = new MemoryBaselines();
  store.loadBaselines((namespace, key, value) => baselines.load(namespace, key, value));
  const evaluator = new Evaluator({ ...deps, baselines });
  const book = new ExposureBook(deps.config, clock, deps.exceptions);
  const runId = store.beginRun(mode, inputs, clock.now());
  const batchSize = deps.batchSize ?? 5_000;
  const progressEvery = deps.progressEvery ?? 50_000;
  const maxListed = deps.maxListedRejections ?? 10_000;

  const findings: Finding[] = [];
  const rejected: Rejection[] = [];
  let batchFindings: Finding[] = [];
  let batchRejected: Rejection[] = [];
  let records = 0;
  let rejectedCount = 0;
  let ignored = 0;

  const commit = () => {
    store.commit(runId, {
      baselines: baselines.takeDirty(),
      findings: batchFindings,
      rejected: batchRejected,
    });
    batchFindings = [];
    batchRejected = [];
  };
  const reject = (origin: RecordOrigin, error: string) => {
    const rejection = { index: origin.index, source: sourceOf(origin), error };
    rejectedCount += 1;
    if (rejected.length < maxListed) rejected.push(rejection);
    batchRejected.push(rejection);
  };

  for await (const item of items) {
    records += 1;
    if (item.kind === "error") reject(item.origin, item.error);
    else {
      const result = normalizeRecord(item.value, item.origin);
      if (result.kind === "rejected") reject(item.origin, result.error);
      else if (result.kind === "ignored") ignored += 1;
      else if (mode === "learn") evaluator.learn(result.use);
      else {
        const evaluation = evaluator.evaluate(result.use);
        if (evaluation !== undefined) {
          findings.push(evaluation.finding);
          batchFindings.push(evaluation.finding);
          book.add(evaluation.finding, evaluation.facts);
        }
      }
    }
    if (records % batchSize === 0) commit();
    if (deps.onProgress && records % progressEvery === 0) {
      deps.onProgress({ records, rejected: rejectedCount, findings: findings.length, done: false });
    }
  }
  commit();
  const exposures = book.ranked();
  const summary = {
    records,
    rejected: rejectedCount,
    findings: findings.length,
    exposures: exposures.length,
  };
  store.finishRun(runId, summary, exposures, clock.now());
  deps.onProgress?.({ records, rejected: rejectedCount, findings: findings.length, done: true });
  return {
    runId,
    summary: { ...summary, ignored },
    rejected,
    rejectedTruncated: rejectedCount > rejected.length,
    findings,
    exposures,
  };
}
