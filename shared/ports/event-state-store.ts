import type { Exposure, ExposureFacts, Finding } from "../domain/finding.ts";
import type { Decision } from "../domain/vocabulary.ts";

/**
 * What the functions keep between invocations, and how they keep it consistent across concurrent
 * instances: learned baselines, findings, exposures and the ids of processed events. The functions
 * read only what a batch of events needs, evaluate in memory, then write everything the batch
 * changed in one atomic, conditional commit: a commit whose reads went stale (another instance wrote
 * a baseline or an exposure in between, or processed one of the events) is refused as a whole and the
 * batch is evaluated again on fresh state. The embedded SQLite store and DynamoDB implement it.
 */

/** One learned baseline value: a detection's namespace and its key (a credential id, a role, …). */
export interface BaselineRef {
  readonly namespace: string;
  readonly key: string;
}

/** A persisted baseline value with the version its next write must name. */
export interface VersionedBaseline extends BaselineRef {
  readonly value: unknown;
  /** Opaque; changes on every write. */
  readonly version: string;
}

/** A baseline value to write; `expected` is the version it was read at, undefined when it was absent. */
export interface BaselineWrite extends BaselineRef {
  readonly value: unknown;
  readonly expected: string | undefined;
}

/** A finding with the facts its exposure is re-scored from. */
export interface StoredFinding {
  readonly finding: Finding;
  readonly facts: ExposureFacts;
}

/**
 * The exposure of one credential (key: `kind|id`, a secret by its profile id) with the version its
 * next write must name.
 */
export interface VersionedExposure {
  readonly key: string;
  readonly exposure: Exposure;
  readonly version: string;
}

/** An exposure to write; `expected` is the version it was read at, undefined when it was absent. */
export interface ExposureWrite {
  readonly key: string;
  readonly exposure: Exposure;
  readonly expected: string | undefined;
}

/**
 * An exposure whose decision a commit changed, and so what is still to be done about it: the
 * decision's record, and in enforce mode its approval request or queued playbook, or its notification.
 * It is written in the same commit as the exposure (an outbox), so a crash after the commit loses
 * nothing: whoever drains the pending hand-offs next (the evaluate function after its commit, the
 * expiry function every minute) does it, and removes it once done.
 */
export interface Handoff {
  /** Unique per change: the exposure key and the first event id behind it. */
  readonly id: string;
  readonly exposure: Exposure;
  /** The exposure's decision before the change; undefined for a new exposure. */
  readonly previousDecision?: Decision;
  /** The ids of the events whose findings made the change. */
  readonly eventIds: readonly string[];
  /** When the change was committed (epoch ms); pending hand-offs are drained oldest first. */
  readonly at: number;
}

/** Everything one batch of evaluated events changed, written all or nothing. */
export interface StateChanges {
  /** Event ids to mark as processed: refused when one is marked already and its mark has not expired. */
  readonly processed: readonly string[];
  readonly baselines: readonly BaselineWrite[];
  /** Written by event id and credential: writing the same finding again replaces it. */
  readonly findings: readonly StoredFinding[];
  readonly exposures: readonly ExposureWrite[];
  /** Decisions that changed, to be acted on after the commit; omitted: none. */
  readonly handoffs?: readonly Handoff[];
}

/** Default lifetime of a processed-event mark: two weeks covers late trail files and retried batches. */
export const DEFAULT_MARK_TTL_MS = 14 * 24 * 3_600_000;

/** Largest commit (marks + baselines + findings + exposures) a store accepts at once. */
export const MAX_COMMIT_ITEMS = 100;

/** The commit was written; `versions` are the new versions of the written baselines and exposures. */
export interface CommitDone {
  readonly ok: true;
  /** Baseline versions by {@link refId}; exposure versions by exposure key. */
  readonly baselineVersions: ReadonlyMap<string, string>;
  readonly exposureVersions: ReadonlyMap<string, string>;
}

/** The commit was refused and nothing was written: what went stale. */
export interface CommitRefused {
  readonly ok: false;
  /** Events another writer marked as processed first. */
  readonly duplicates: readonly string[];
  /** Baselines written by another writer since they were read. */
  readonly staleBaselines: readonly BaselineRef[];
  /** Exposures written by another writer since they were read. */
  readonly staleExposures: readonly string[];
}

export type CommitOutcome = CommitDone | CommitRefused;

/** See the module comment. Every method may be called by many instances at once. */
export interface EventStateStore {
  /** The persisted values among `refs` (absent ones are left out), as of now (strongly consistent). */
  loadBaselines(refs: readonly BaselineRef[]): Promise<VersionedBaseline[]>;
  /** The ids among `eventIds` marked as processed, with marks that have not expired by `now`. */
  processed(eventIds: readonly string[], now: number): Promise<Set<string>>;
  /** The persisted exposures among `keys`. */
  loadExposures(keys: readonly string[]): Promise<VersionedExposure[]>;
  /** The latest `limit` findings of the exposure `key`, newest first. */
  findingsOf(key: string, limit: number): Promise<StoredFinding[]>;
  /**
   * Writes `changes` atomically, marks expiring `markTtlMs` (the store's setting) after `now`. At
   * most {@link MAX_COMMIT_ITEMS} items; more is a programming error and throws.
   */
  commit(changes: StateChanges, now: number): Promise<CommitOutcome>;
  /** Up to `limit` hand-offs not yet completed, oldest first. */
  pendingHandoffs(limit: number): Promise<Handoff[]>;
  /** Removes a done hand-off; removing one that is gone already is not an error. */
  completeHandoff(handoff: Handoff): Promise<void>;
}

/** The one string form of a baseline ref, for maps and sets. */
export function refId(ref: BaselineRef): string {
  return `${ref.namespace}\u0000${ref.key}`;
}

/** The exposure a finding belongs to, as the exposure book groups them: a secret by its profile. */
export function exposureKey(facts: ExposureFacts): string {
  return `${facts.credential.kind}|${facts.secretId ?? facts.credential.id}`;
}

/** Items a commit writes. */
export function commitSize(changes: StateChanges): number {
  return (
    changes.processed.length +
    changes.baselines.length +
    changes.findings.length +
    changes.exposures.length +
    (changes.handoffs?.length ?? 0)
  );
}
