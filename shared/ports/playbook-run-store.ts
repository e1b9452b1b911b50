import type { StepResult } from "../domain/playbooks/steps/step.ts";
import type { StepId } from "../domain/vocabulary.ts";

/**
 * Where playbook runs are kept step by step, so that a run interrupted anywhere can be finished
 * without doing anything twice, and undone later. It also holds what the guards need to be safe
 * across processes: per-subject locks, claimed destructive actions (the cap) and the kill switch.
 */

/** Where a step is: `running` means it started and may or may not have acted (it re-reads state on resume). */
export type StepStatus =
  | "pending"
  | "running"
  | "applied"
  | "already-done"
  | "not-found"
  | "blocked"
  | "failed";

/** `running` until every step reached a final status; `undone` after a complete undo. */
export type RunStatus = "running" | "completed" | "blocked" | "failed" | "undone";

/** What undo did with one step. */
export interface UndoRecord {
  readonly status: "undone" | "not-needed" | "irreversible" | "not-found" | "failed";
  readonly reason: string;
  readonly result?: StepResult;
  readonly at: number;
}

/** One step of a run, as persisted. */
export interface StepRecord {
  readonly index: number;
  readonly step: StepId;
  readonly target: string;
  readonly params: Readonly<Record<string, string>>;
  readonly destructive: boolean;
  readonly status: StepStatus;
  readonly attempts: number;
  /** Why it was blocked, failed or not found; what a person should do. */
  readonly reason?: string;
  /** Set for `escalate`: a person must take over (rotation not configured or in progress). */
  readonly escalate?: boolean;
  readonly result?: StepResult;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly undo?: UndoRecord;
}

/** One playbook run, as persisted. */
export interface RunRecord {
  readonly id: string;
  /** Identifies the planned work; an unfinished run with the same key is resumed instead of started again. */
  readonly key: string;
  readonly playbook: string;
  readonly principal: string;
  readonly account: string;
  /** `kind:id` of the credential. */
  readonly credential: string;
  readonly reason: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly steps: readonly StepRecord[];
}

/** The kill switch: when set, no step of any run acts. */
export interface KillSwitch {
  readonly reason: string;
  readonly since: number;
}

export interface PlaybookRunStore {
  /** Persists a new run with its steps (all pending). */
  createRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** The run with this key that is still `running` (interrupted), if any. */
  findUnfinished(key: string): Promise<RunRecord | undefined>;
  saveStep(runId: string, step: StepRecord, at: number): Promise<void>;
  setRunStatus(runId: string, status: RunStatus, at: number): Promise<void>;
  /**
   * Takes the lock on `subject` for `runId` until `now + ttlMs`, atomically. Returns undefined when
   * taken (or already held by `runId`), else the id of the run holding it.
   */
  acquireLock(subject: string, runId: string, now: number, ttlMs: number): Promise<string | undefined>;
  releaseLock(subject: string, runId: string): Promise<void>;
  /**
   * Claims one destructive action of `account` for step `index` of `runId`, atomically: granted when
   * fewer than `cap` actions were claimed since `since` (a step that already holds a claim keeps it).
   * Returns whether it was granted and how many actions the window holds.
   */
  claimAction(
    account: string,
    runId: string,
    index: number,
    at: number,
    since: number,
    cap: number,
  ): Promise<{ granted: boolean; used: number }>;
  killSwitch(): Promise<KillSwitch | undefined>;
  /** Sets the kill switch, or clears it with undefined. */
  setKillSwitch(state: KillSwitch | undefined): Promise<void>;
}
