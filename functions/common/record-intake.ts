import type { CredentialUse, RecordOrigin } from "../../shared/domain/event.ts";
import type { Finding } from "../../shared/domain/finding.ts";
import { normalizeRecord } from "../../shared/domain/normalize/normalize.ts";
import { type DrainReport, drainHandoffs, type HandoffDeps } from "../../shared/domain/pipeline/handoff.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import type { BatchResult, EventBatchEvaluator } from "./event-batch.ts";
import type { Mode } from "./function-config.ts";
import type { FunctionLog } from "./log.ts";

/** What became of one record. */
export type IntakeOutcome = "finding" | "quiet" | "duplicate" | "ignored" | "rejected";

/** One record to take in, with where it came from. */
export interface IntakeItem {
  readonly value: unknown;
  readonly origin: RecordOrigin;
}

/** What the intake needs; built once per cold start. */
export interface IntakeDeps {
  readonly batch: Pick<EventBatchEvaluator, "evaluate">;
  readonly mode: Mode;
  readonly log: FunctionLog;
  /**
   * Acts on the decisions a batch changed, right after its commit (see handOff); without it they stay
   * pending in the store for whoever drains them.
   */
  readonly handoffs?: {
    readonly store: Pick<EventStateStore, "pendingHandoffs" | "completeHandoff">;
    readonly deps: HandoffDeps;
  };
}

/** What the intake did with a batch of records. */
export interface IntakeResult {
  /** One per item, in order. */
  readonly outcomes: readonly IntakeOutcome[];
  /** Counters of the evaluation (commits, conflicts, writes), for the summary line. */
  readonly evaluation: Omit<BatchResult, "outcomes" | "findings" | "exposures">;
  /** The hand-offs done after the commit (when the batch changed a decision and hand-offs are wired). */
  readonly handedOff?: { readonly done: number; readonly failed: number };
}

/**
 * The use case both functions run on a batch of CloudTrail records (bare, or EventBridge events
 * wrapping one): normalize each, then evaluate the usable ones together against the durable state
 * ({@link EventBatchEvaluator}: duplicates skipped, baselines learned, findings and exposures stored).
 * A record vigil cannot read is logged with its reason and not retried (retrying would not change
 * it). Each stored finding is also logged, with what the mode will do about it. An error while
 * evaluating or storing propagates: the caller reports the messages as failed and SQS redelivers them.
 */
export class RecordIntake {
  constructor(private readonly deps: IntakeDeps) {}

  async takeAll(items: readonly IntakeItem[]): Promise<IntakeResult> {
    const outcomes: IntakeOutcome[] = [];
    const uses: CredentialUse[] = [];
    const positions: number[] = [];
    for (const [position, item] of items.entries()) {
      const normalized = normalizeRecord(item.value, item.origin);
      if (normalized.kind === "rejected") {
        this.deps.log.warn("record rejected", { origin: item.origin, error: normalized.error });
        outcomes.push("rejected");
      } else if (normalized.kind === "ignored") {
        outcomes.push("ignored");
      } else {
        outcomes.push("quiet");
        uses.push(normalized.use);
        positions.push(position);
      }
    }
    const { outcomes: evaluated, findings, exposures, ...evaluation } = await this.deps.batch.evaluate(uses);
    for (const [i, outcome] of evaluated.entries()) {
      outcomes[positions[i]!] = outcome;
      if (outcome === "duplicate") {
        this.deps.log.debug("duplicate event skipped", {
          eventId: uses[i]!.eventId,
          origin: uses[i]!.origin,
        });
      }
    }
    for (const finding of findings) this.#logFinding(finding);
    if (exposures.length > 0) {
      this.deps.log.info("exposures updated", {
        exposures: exposures.map((e) => ({ credential: e.credential, score: e.score, severity: e.severity })),
      });
    }
    if (evaluation.handoffs === 0 || this.deps.handoffs === undefined) return { outcomes, evaluation };
    return { outcomes, evaluation, handedOff: await this.#handOff(this.deps.handoffs) };
  }

  /**
   * Drains the pending hand-offs, this batch's and any an earlier instance left. A failure is logged,
   * not thrown: the batch is committed, and what failed stays pending for the next drain.
   */
  async #handOff(handoffs: NonNullable<IntakeDeps["handoffs"]>): Promise<{ done: number; failed: number }> {
    let report: DrainReport;
    try {
      report = await drainHandoffs(handoffs.store, handoffs.deps);
    } catch (error) {
      this.deps.log.error("reading the pending hand-offs failed; the expiry function drains them", { error });
      return { done: 0, failed: 1 };
    }
    for (const { id, action } of report.done) this.deps.log.info("decision handed off", { id, action });
    for (const { id, error } of report.failed) {
      this.deps.log.error("handing off a decision failed; it stays pending", { id, error });
    }
    return { done: report.done.length, failed: report.failed.length };
  }

  /** One structured line per stored finding (`message: "finding"`), saying what the mode does with it. */
  #logFinding(finding: Finding): void {
    const { mode, log } = this.deps;
    const playbook = finding.playbook?.id;
    const action =
      playbook === undefined
        ? "none"
        : mode === "observe"
          ? `observe mode: playbook ${playbook} is planned, never run`
          : `enforce mode: playbook ${playbook} is planned; an auto decision queues it for the execute function, needs-approval asks the approvers`;
    log.info("finding", { mode, action, finding });
  }
}

/** Counts of outcomes, for the summary line a function logs per invocation. */
export type IntakeCounts = Record<IntakeOutcome, number>;

/** A zeroed {@link IntakeCounts}. */
export function emptyCounts(): IntakeCounts {
  return { finding: 0, quiet: 0, duplicate: 0, ignored: 0, rejected: 0 };
}
