import { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import { type Detection, type Signal, subjectKey } from "../../shared/domain/detections/detection.ts";
import type { CredentialUse } from "../../shared/domain/event.ts";
import type { NetworkClassifier } from "../../shared/ports/network-classifier.ts";
import { configOf, contextFor } from "./context.ts";

/** The state a sequence of uses runs against; pass the same one to several runs to continue a history. */
export interface DetectionRun {
  readonly config: VigilConfig;
  readonly baselines: MemoryBaselines;
  readonly network?: NetworkClassifier;
  /** First use of each subject (epoch ms), filled as uses go by, for the learning period. */
  readonly firstSeen: Map<string, number>;
}

/** Starts a run: a fresh MemoryBaselines and history unless given. */
export function detectionRun(
  options: { config?: VigilConfig; baselines?: MemoryBaselines; network?: NetworkClassifier } = {},
): DetectionRun {
  return {
    config: options.config ?? configOf(),
    baselines: options.baselines ?? new MemoryBaselines(),
    network: options.network,
    firstSeen: new Map(),
  };
}

/**
 * Feeds `uses` in order through `detection` the way the pipeline does: for each use, `evaluate`
 * (which only reads baselines), then `learn`. The learning period follows the config: a subject is
 * learning until `learningDays` after its first use in this run. Returns one entry per use: the signal,
 * or undefined.
 */
export function runDetection(
  detection: Detection,
  uses: readonly CredentialUse[],
  run: DetectionRun = detectionRun(),
): Array<Signal | undefined> {
  return uses.map((use) => {
    const subject = subjectKey(use);
    const firstSeen = run.firstSeen.get(subject) ?? use.eventTime;
    if (!run.firstSeen.has(subject)) run.firstSeen.set(subject, firstSeen);
    const ctx = contextFor(use, {
      config: run.config,
      baselines: run.baselines,
      network: run.network,
      history: { firstSeen, learning: use.eventTime < firstSeen + run.config.learningMs },
    });
    const signal = detection.evaluate(use, ctx);
    detection.learn?.(use, ctx);
    return signal;
  });
}

/** The indexes of the uses that fired, for compact assertions. */
export function firedAt(signals: ReadonlyArray<Signal | undefined>): number[] {
  const fired: number[] = [];
  signals.forEach((signal, i) => {
    if (signal !== undefined) fired.push(i);
  });
  return fired;
}
