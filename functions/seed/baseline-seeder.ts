import { WriteBehindBaselines } from "../../shared/adapters/write-behind-baselines.ts";
import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import type { Detection } from "../../shared/domain/detections/detection.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { VigilError } from "../../shared/domain/errors.ts";
import type { CredentialUse } from "../../shared/domain/event.ts";
import { normalizeRecord } from "../../shared/domain/normalize/normalize.ts";
import { Evaluator } from "../../shared/domain/pipeline/evaluator.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import {
  type BaselineWrite,
  type EventStateStore,
  MAX_COMMIT_ITEMS,
  refId,
} from "../../shared/ports/event-state-store.ts";
import type { NetworkClassifier } from "../../shared/ports/network-classifier.ts";
import type { SourceItem } from "../../shared/ports/record-source.ts";
import { BaselineProbe } from "../common/baseline-probe.ts";

/** Other writers kept changing the same baselines while the seed wrote them. */
export class SeedConflictError extends VigilError {
  override name = "SeedConflictError";
}

/** What the seeder needs; the same config, detections and network classifier as the evaluate function. */
export interface SeederDeps {
  readonly config: VigilConfig;
  readonly network: NetworkClassifier;
  readonly clock: Clock;
  readonly store: EventStateStore;
  /** @default every registered detection */
  readonly detections?: readonly Detection[];
  /** Uses learned and written together. @default 500 */
  readonly chunkSize?: number;
  /** Tries per chunk while another writer changes the same baselines. @default 5 */
  readonly maxAttempts?: number;
}

/** What a seeder took in and wrote so far. */
export interface SeedSummary {
  /** Items read (records, and items that were not records). */
  readonly records: number;
  readonly rejected: number;
  /** Records with no credential behind them (AWS service events): read, not learned from. */
  readonly ignored: number;
  /** Credential uses learned from. */
  readonly learned: number;
  /** Distinct baselines written. */
  readonly baselines: number;
  readonly commits: number;
  /** Commits refused because another writer changed a baseline first (then learned again). */
  readonly conflicts: number;
  /** The earliest event time learned from (epoch ms), undefined before the first use. */
  readonly oldest: number | undefined;
  /** The first few rejections, `source: reason`. */
  readonly rejections: readonly string[];
}

/**
 * Learns baselines from history into the functions' durable state, the way `vigil learn` does
 * (records normalized, then every detection's `learn` and the subject's first-seen time, no
 * findings), but on the EventStateStore the evaluate function reads: records are taken in chunks; for
 * each chunk the baselines it touches are found ({@link BaselineProbe}), read, learned into in memory
 * ({@link WriteBehindBaselines}) and written back, each commit conditional on the versions read. So
 * what the evaluate function learned meanwhile is merged, not overwritten: a refused commit reads the
 * state again and learns the chunk again, writing only the baselines not written yet. Memory stays
 * at one chunk, and what was written stays written if the seed is cut short.
 */
export class BaselineSeeder {
  readonly #deps: SeederDeps;
  readonly #detections: readonly Detection[];
  readonly #probe: BaselineProbe;
  readonly #written = new Set<string>();
  #chunk: CredentialUse[] = [];
  #records = 0;
  #rejected = 0;
  #ignored = 0;
  #learned = 0;
  #commits = 0;
  #conflicts = 0;
  #oldest: number | undefined;
  readonly #rejections: string[] = [];

  constructor(deps: SeederDeps) {
    this.#deps = deps;
    this.#detections = deps.detections ?? DETECTIONS;
    this.#probe = new BaselineProbe({ ...deps, detections: this.#detections });
  }

  /** Takes one history item; writes a chunk once it is full. */
  async take(item: SourceItem): Promise<void> {
    this.#records++;
    const result =
      item.kind === "error"
        ? { kind: "rejected" as const, error: item.error }
        : normalizeRecord(item.value, item.origin);
    if (result.kind === "rejected") {
      this.#rejected++;
      if (this.#rejections.length < 10) {
        this.#rejections.push(
          `${item.origin.file}:${item.origin.line} #${item.origin.index}: ${result.error}`,
        );
      }
      return;
    }
    if (result.kind === "ignored") {
      this.#ignored++;
      return;
    }
    this.#chunk.push(result.use);
    if (this.#chunk.length >= (this.#deps.chunkSize ?? 500)) await this.flush();
  }

  /** Writes the uses taken since the last write. */
  async flush(): Promise<void> {
    const uses = this.#chunk;
    this.#chunk = [];
    if (uses.length === 0) return;
    await this.#write(uses);
    this.#learned += uses.length;
    for (const use of uses)
      if (this.#oldest === undefined || use.eventTime < this.#oldest) this.#oldest = use.eventTime;
  }

  summary(): SeedSummary {
    return {
      records: this.#records,
      rejected: this.#rejected,
      ignored: this.#ignored,
      learned: this.#learned,
      baselines: this.#written.size,
      commits: this.#commits,
      conflicts: this.#conflicts,
      oldest: this.#oldest,
      rejections: [...this.#rejections],
    };
  }

  async #write(uses: readonly CredentialUse[]): Promise<void> {
    const { store } = this.#deps;
    const refs = this.#probe.refsOf(uses);
    const done = new Set<string>();
    const maxAttempts = Math.max(1, this.#deps.maxAttempts ?? 5);
    for (let attempt = 1; ; attempt++) {
      const working = new WriteBehindBaselines();
      working.prime(refs, await store.loadBaselines(refs));
      const evaluator = new Evaluator({ ...this.#deps, detections: this.#detections, baselines: working });
      for (const use of uses) evaluator.learn(use);
      const pending = working.pending().filter((w) => !done.has(refId(w)));
      if (await this.#commitAll(pending, done)) return;
      this.#conflicts++;
      if (attempt >= maxAttempts) {
        throw new SeedConflictError(
          `gave up writing learned baselines after ${attempt} attempts: another writer (the evaluate function) kept changing the same ones; deploy again to seed again`,
          { context: { attempts: attempt } },
        );
      }
    }
  }

  /** Commits `pending` in groups that fit one commit; false when one was refused (stale). */
  async #commitAll(pending: readonly BaselineWrite[], done: Set<string>): Promise<boolean> {
    for (let i = 0; i < pending.length; i += MAX_COMMIT_ITEMS) {
      const group = pending.slice(i, i + MAX_COMMIT_ITEMS);
      const outcome = await this.#deps.store.commit(
        { processed: [], baselines: group, findings: [], exposures: [] },
        this.#deps.clock.now(),
      );
      if (!outcome.ok) return false;
      this.#commits++;
      for (const write of group) {
        done.add(refId(write));
        this.#written.add(refId(write));
      }
    }
    return true;
  }
}
