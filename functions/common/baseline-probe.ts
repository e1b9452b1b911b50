import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import type { Detection } from "../../shared/domain/detections/detection.ts";
import type { CredentialUse } from "../../shared/domain/event.ts";
import { Evaluator } from "../../shared/domain/pipeline/evaluator.ts";
import type { BaselineStore } from "../../shared/ports/baseline-store.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { type BaselineRef, refId } from "../../shared/ports/event-state-store.ts";
import type { NetworkClassifier } from "../../shared/ports/network-classifier.ts";

/** A BaselineStore that answers "never seen" to everything and remembers what was asked. */
class RecordingBaselines implements BaselineStore {
  readonly asked = new Map<string, BaselineRef>();

  get<T>(namespace: string, key: string): T | undefined {
    const ref = { namespace, key };
    this.asked.set(refId(ref), ref);
    return undefined;
  }

  set<T>(namespace: string, key: string, _value: T): void {
    const ref = { namespace, key };
    this.asked.set(refId(ref), ref);
  }
}

/** What the probe evaluates with: the same config and detections as the real evaluation. */
export interface ProbeDeps {
  readonly config: VigilConfig;
  readonly detections: readonly Detection[];
  readonly network: NetworkClassifier;
  readonly clock: Clock;
}

/**
 * Finds the baselines a batch of uses will read or write, by evaluating each use once against a store
 * that remembers every key asked for and knows nothing. The detections themselves say which keys they
 * need, so a new detection needs no list kept in step with it. This holds as long as a detection
 * derives its keys from the event alone (today: the credential, its role, or an access key named in
 * the call); a key chosen from learned state would be missed, and the working set then refuses the
 * read (BaselineNotLoadedError) instead of answering "never seen".
 */
export class BaselineProbe {
  readonly #deps: ProbeDeps;

  constructor(deps: ProbeDeps) {
    this.#deps = deps;
  }

  /** The distinct baselines `uses` touch, in first-touched order. */
  refsOf(uses: readonly CredentialUse[]): BaselineRef[] {
    const recording = new RecordingBaselines();
    const evaluator = new Evaluator({ ...this.#deps, baselines: recording });
    for (const use of uses) evaluator.evaluate(use);
    return [...recording.asked.values()];
  }
}
