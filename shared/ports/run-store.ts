import type { Exposure, Finding } from "../domain/finding.ts";

/** A record that could not be used, with where it came from and why. */
export interface Rejection {
  readonly index: number;
  /** `file:line`. */
  readonly source: string;
  readonly error: string;
}

/** Totals of one run. */
export interface RunSummary {
  readonly records: number;
  readonly rejected: number;
  readonly findings: number;
  readonly exposures: number;
}

/** Persisted changes of one batch of records, written atomically. */
export interface Batch {
  readonly baselines: ReadonlyArray<readonly [namespace: string, key: string, value: unknown]>;
  readonly findings: readonly Finding[];
  readonly rejected: readonly Rejection[];
}

/**
 * Where runs, findings, exposures and learned baselines are kept between runs. A batch is written as
 * one transaction, so a crash loses at most the batch in flight and never what was already reported.
 */
export interface RunStore {
  /** Calls `load` for every persisted baseline value. */
  loadBaselines(load: (namespace: string, key: string, value: unknown) => void): void;
  beginRun(kind: "replay" | "learn", inputs: readonly string[], startedAt: number): string;
  commit(runId: string, batch: Batch): void;
  finishRun(runId: string, summary: RunSummary, exposures: readonly Exposure[], finishedAt: number): void;
  close(): void;
}

/** A RunStore that keeps nothing (`--memory`). */
export const nullRunStore: RunStore = {
  loadBaselines: () => {},
  beginRun: () => "memory",
  commit: () => {},
  finishRun: () => {},
  close: () => {},
};
