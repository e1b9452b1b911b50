import { WriteBehindBaselines } from "../../shared/adapters/write-behind-baselines.ts";
import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import type { Detection } from "../../shared/domain/detections/detection.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { VigilError } from "../../shared/domain/errors.ts";
import type { CredentialUse } from "../../shared/domain/event.ts";
import { activeExceptionsSnapshot } from "../../shared/domain/exceptions/snapshot.ts";
import type { Exposure, Finding } from "../../shared/domain/finding.ts";
import { type Evaluation, Evaluator } from "../../shared/domain/pipeline/evaluator.ts";
import { ExposureBook } from "../../shared/domain/pipeline/exposure-book.ts";
import type { ActiveExceptions } from "../../shared/ports/active-exceptions.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import {
  commitSize,
  type EventStateStore,
  type ExposureWrite,
  exposureKey,
  type Handoff,
  MAX_COMMIT_ITEMS,
  type StateChanges,
} from "../../shared/ports/event-state-store.ts";
import type { ExceptionStore } from "../../shared/ports/exception-store.ts";
import type { NetworkClassifier } from "../../shared/ports/network-classifier.ts";
import { BaselineProbe } from "./baseline-probe.ts";

/** Another instance kept writing the same state: the batch gave up (SQS delivers it again later). */
export class StateConflictError extends VigilError {
  override name = "StateConflictError";
}

/** What became of one use of a batch. */
export type UseOutcome = "finding" | "quiet" | "duplicate";

/** What the batch evaluator needs; built once per cold start. */
export interface BatchEvaluatorDeps {
  readonly config: VigilConfig;
  readonly network: NetworkClassifier;
  readonly clock: Clock;
  readonly store: EventStateStore;
  /** @default every registered detection */
  readonly detections?: readonly Detection[];
  /** Commits tried per chunk when another instance wrote the same state first. @default 5 */
  readonly maxAttempts?: number;
  /** Stored findings an exposure is re-scored from (the newest). @default 100 */
  readonly exposureHistory?: number;
  /**
   * The break-glass exceptions, loaded once per batch: an exposure one covers is decided
   * `suppressed-by-exception`. Without it nothing is suppressed.
   */
  readonly exceptions?: Pick<ExceptionStore, "activeAt">;
}

/** What evaluating a batch did. */
export interface BatchResult {
  /** One per input use, in input order. */
  readonly outcomes: readonly UseOutcome[];
  /** The findings committed, in input order. */
  readonly findings: readonly Finding[];
  /** The exposures committed (the last version of each). */
  readonly exposures: readonly Exposure[];
  /** Commits written, and commits refused because another writer came first. */
  readonly commits: number;
  readonly conflicts: number;
  /** Baselines written back, in all and by namespace (the detection that keeps them). */
  readonly baselineWrites: number;
  readonly writesByNamespace: Readonly<Record<string, number>>;
  /** Baseline sets that changed nothing (and so were not written). */
  readonly unchangedSets: number;
  /** Uses marked as processed: they made a finding, or delivering them again would change state again. */
  readonly marked: number;
  /** Decisions that changed, committed as hand-offs (see Handoff). */
  readonly handoffs: number;
}

/** Leave room below the commit limit for the items the last evaluated use adds. */
const CHUNK_ITEMS = MAX_COMMIT_ITEMS - 30;

interface Evaluated {
  readonly position: number;
  readonly evaluation: Evaluation | undefined;
  readonly effectful: boolean;
}

/**
 * The functions' use case: evaluates a batch of credential uses against the durable state, in input
 * order, and commits what it changed. Steps: skip event ids seen earlier in the batch or marked as
 * processed; find the baselines the rest need ({@link BaselineProbe}) and load them in one read;
 * evaluate in memory ({@link WriteBehindBaselines}); re-score the exposures that got findings from
 * their stored findings; commit, all or nothing, the changed baselines, the findings, the exposures and
 * a processed mark for every use that made a finding or whose second delivery would change state
 * again (tried out on the working set and rolled back: e.g. a failure counted twice). Other uses are
 * not marked: evaluating them again changes nothing, and marking every event would cost one write per
 * event. When another instance wrote first, the commit is refused, state is read again and
 * the chunk re-evaluated (uses it processed are skipped as duplicates). Large batches are committed in
 * chunks that fit one transaction. The break-glass exceptions in force are read once per batch (one
 * snapshot, see activeExceptionsSnapshot) and apply to every decision in it.
 */
export class EventBatchEvaluator {
  readonly #deps: BatchEvaluatorDeps;
  readonly #detections: readonly Detection[];
  readonly #probe: BaselineProbe;

  constructor(deps: BatchEvaluatorDeps) {
    this.#deps = deps;
    this.#detections = deps.detections ?? DETECTIONS;
    this.#probe = new BaselineProbe({
      config: deps.config,
      network: deps.network,
      clock: deps.clock,
      detections: this.#detections,
    });
  }

  async evaluate(uses: readonly CredentialUse[]): Promise<BatchResult> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const exceptions =
      this.#deps.exceptions === undefined
        ? undefined
        : activeExceptionsSnapshot(await this.#deps.exceptions.activeAt(now));
    const outcomes: UseOutcome[] = uses.map(() => "duplicate");
    const first = new Map<string, number>();
    for (const [position, use] of uses.entries())
      if (!first.has(use.eventId)) first.set(use.eventId, position);
    const marked = await store.processed([...first.keys()], now);
    let todo = [...first.entries()].filter(([id]) => !marked.has(id)).map(([, position]) => position);

    const findings: Array<[number, Finding]> = [];
    const exposures = new Map<string, Exposure>();
    const result = { commits: 0, conflicts: 0, baselineWrites: 0, unchangedSets: 0, marked: 0, handoffs: 0 };
    const writesByNamespace: Record<string, number> = {};
    const maxAttempts = Math.max(1, this.#deps.maxAttempts ?? 5);
    let start = 0;
    let limit = todo.length;
    let attempts = 0;
    let working: WriteBehindBaselines | undefined;
    while (start < todo.length) {
      if (working === undefined) {
        const rest = todo.slice(start).map((p) => uses[p]!);
        const refs = this.#probe.refsOf(rest);
        working = new WriteBehindBaselines();
        working.prime(refs, await store.loadBaselines(refs));
      }
      const chunk = this.#evaluateChunk(uses, todo, start, limit, working, exceptions);
      const { writes: exposureWrites, handoffs } = await this.#exposures(chunk, now, exceptions);
      const changes: StateChanges = {
        processed: chunk.filter((e) => e.effectful).map((e) => uses[e.position]!.eventId),
        baselines: working.pending(),
        findings: chunk.flatMap((e) => (e.evaluation === undefined ? [] : [e.evaluation])),
        exposures: exposureWrites,
        handoffs,
      };
      if (commitSize(changes) > MAX_COMMIT_ITEMS) {
        if (chunk.length === 1) {
          throw new StateConflictError(
            `event ${uses[chunk[0]!.position]!.eventId} alone changes ${commitSize(changes)} items, more than one commit holds (${MAX_COMMIT_ITEMS})`,
          );
        }
        // Evaluated state cannot be taken back: evaluate half as many again, from fresh state.
        limit = start + Math.floor(chunk.length / 2);
        working = undefined;
        continue;
      }
      const outcome = await store.commit(changes, now);
      if (!outcome.ok) {
        result.conflicts++;
        if (++attempts >= maxAttempts) {
          throw new StateConflictError(
            `gave up after ${attempts} attempts: another instance kept changing the same state (${outcome.staleBaselines.length} baselines, ${outcome.staleExposures.length} exposures stale); SQS delivers the batch again`,
          );
        }
        const duplicates = new Set(outcome.duplicates);
        todo = todo.filter((p, i) => i < start || !duplicates.has(uses[p]!.eventId));
        limit = todo.length;
        working = undefined;
        continue;
      }
      working.committed(outcome.baselineVersions);
      result.commits++;
      result.baselineWrites += changes.baselines.length;
      for (const b of changes.baselines)
        writesByNamespace[b.namespace] = (writesByNamespace[b.namespace] ?? 0) + 1;
      result.marked += changes.processed.length;
      for (const e of chunk) {
        outcomes[e.position] = e.evaluation === undefined ? "quiet" : "finding";
        if (e.evaluation !== undefined) findings.push([e.position, e.evaluation.finding]);
      }
      for (const w of exposureWrites) exposures.set(w.key, w.exposure);
      result.handoffs += handoffs.length;
      start += chunk.length;
      limit = todo.length;
      attempts = 0;
    }
    if (working !== undefined) {
      for (const writes of working.writeStats().values()) result.unchangedSets += writes.unchanged;
    }
    return {
      ...result,
      writesByNamespace,
      outcomes,
      findings: findings.sort((a, b) => a[0] - b[0]).map(([, f]) => f),
      exposures: [...exposures.values()],
    };
  }

  /** Evaluates uses from `start` until the commit would be nearly full or `limit` is reached. */
  #evaluateChunk(
    uses: readonly CredentialUse[],
    todo: readonly number[],
    start: number,
    limit: number,
    working: WriteBehindBaselines,
    exceptions: ActiveExceptions | undefined,
  ): Evaluated[] {
    const { config, network, clock } = this.#deps;
    const evaluator = new Evaluator({
      config,
      network,
      clock,
      detections: this.#detections,
      baselines: working,
      ...(exceptions === undefined ? {} : { exceptions }),
    });
    const chunk: Evaluated[] = [];
    const exposureKeys = new Set<string>();
    let effectful = 0;
    for (let i = start; i < limit; i++) {
      const position = todo[i]!;
      const use = uses[position]!;
      const before = working.changes;
      const evaluation = evaluator.evaluate(use);
      // A use that made no finding needs a mark only if delivering it again would change state again
      // (e.g. one more failure counted): most learning is idempotent, and marks cost a write each.
      const changed =
        evaluation !== undefined ||
        (working.changes > before && working.trial(() => evaluator.evaluate(use)));
      chunk.push({ position, evaluation, effectful: changed });
      if (changed) effectful++;
      if (evaluation !== undefined) exposureKeys.add(exposureKey(evaluation.facts));
      const items = working.dirtyCount + effectful * 2 + exposureKeys.size;
      if (items >= CHUNK_ITEMS) break;
    }
    return chunk;
  }

  /**
   * The exposures of the chunk's findings, re-scored from their stored findings plus the new ones, and
   * a hand-off for each whose decision is new or changed (what is to be done about it after the commit).
   */
  async #exposures(
    chunk: readonly Evaluated[],
    now: number,
    exceptions: ActiveExceptions | undefined,
  ): Promise<{ writes: ExposureWrite[]; handoffs: Handoff[] }> {
    const { store, config, clock } = this.#deps;
    const byKey = new Map<string, Evaluation[]>();
    for (const { evaluation } of chunk) {
      if (evaluation === undefined) continue;
      const key = exposureKey(evaluation.facts);
      const list = byKey.get(key) ?? [];
      list.push(evaluation);
      byKey.set(key, list);
    }
    if (byKey.size === 0) return { writes: [], handoffs: [] };
    const stored = new Map((await store.loadExposures([...byKey.keys()])).map((e) => [e.key, e]));
    const writes: ExposureWrite[] = [];
    const handoffs: Handoff[] = [];
    for (const [key, added] of byKey) {
      const history = await store.findingsOf(key, this.#deps.exposureHistory ?? 100);
      const id = (f: Finding) => `${f.eventId}|${f.credential.kind}|${f.credential.id}`;
      const fresh = new Set(added.map((e) => id(e.finding)));
      const book = new ExposureBook(config, clock, exceptions);
      for (const old of history.reverse()) if (!fresh.has(id(old.finding))) book.add(old.finding, old.facts);
      for (const e of added) book.add(e.finding, e.facts);
      const [rebuilt] = book.ranked();
      if (rebuilt === undefined) continue;
      const previous = stored.get(key);
      const known = new Set(history.map((h) => id(h.finding)));
      const newCount = added.filter((e) => !known.has(id(e.finding))).length;
      const exposure: Exposure =
        previous === undefined
          ? rebuilt
          : {
              ...rebuilt,
              findings: previous.exposure.findings + newCount,
              firstSeen:
                previous.exposure.firstSeen < rebuilt.firstSeen
                  ? previous.exposure.firstSeen
                  : rebuilt.firstSeen,
            };
      writes.push({ key, exposure, expected: previous?.version });
      if (previous?.exposure.decision !== exposure.decision) {
        const eventIds = added.map((e) => e.finding.eventId);
        handoffs.push({
          id: `${key}#${eventIds[0]}`,
          exposure,
          ...(previous === undefined ? {} : { previousDecision: previous.exposure.decision }),
          eventIds,
          at: now,
        });
      }
    }
    return { writes, handoffs };
  }
}
