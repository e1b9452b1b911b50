import type { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import type { RecordOrigin } from "../../shared/domain/event.ts";
import type { Finding } from "../../shared/domain/finding.ts";
import { normalizeRecord } from "../../shared/domain/normalize/normalize.ts";
import { Evaluator } from "../../shared/domain/pipeline/evaluator.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { NetworkClassifier } from "../../shared/ports/network-classifier.ts";
import type { Mode } from "./function-config.ts";
import type { FunctionLog } from "./log.ts";
import type { RecentEvents } from "./recent-events.ts";

/** Where a function puts the findings it makes. */
export interface FindingRecorder {
  record(finding: Finding): void;
}

/**
 * Records each finding as one structured log line (`message: "finding"`). Nothing is executed in
 * either mode yet: the playbook is planned, and the line says what enforce mode will do once the
 * execute function is deployed. Findings are stored in DynamoDB once the DynamoDB store lands.
 */
export function logFindingRecorder(log: FunctionLog, mode: Mode): FindingRecorder {
  return {
    record(finding) {
      const playbook = finding.playbook?.id;
      const action =
        playbook === undefined
          ? "none"
          : mode === "observe"
            ? `observe mode: playbook ${playbook} is planned, never run`
            : `enforce mode: playbook ${playbook} is planned; running it needs the execute function, not deployed yet`;
      log.info("finding", { mode, action, finding });
    },
  };
}

/** What became of one record. */
export type IntakeOutcome = "finding" | "quiet" | "duplicate" | "ignored" | "rejected";

/** What the intake needs; built once per cold start. */
export interface IntakeDeps {
  readonly config: VigilConfig;
  /**
   * In-memory baselines of this function instance. They are lost when the instance stops and are not
   * shared between instances: durable baselines in DynamoDB come with the DynamoDB store.
   */
  readonly baselines: MemoryBaselines;
  readonly network: NetworkClassifier;
  readonly clock: Clock;
  readonly recent: RecentEvents;
  readonly findings: FindingRecorder;
  readonly log: FunctionLog;
}

/**
 * The one use case both functions run for each CloudTrail record (bare, or an EventBridge event
 * wrapping one): normalize, skip an event id seen already, evaluate with every detection, record a
 * finding. A record vigil cannot read is logged with its reason and not retried (retrying would not
 * change it); an error while evaluating or recording propagates, so the caller reports the message as
 * failed and the event id is not marked as seen.
 */
export class RecordIntake {
  readonly #evaluator: Evaluator;

  constructor(private readonly deps: IntakeDeps) {
    this.#evaluator = new Evaluator({
      config: deps.config,
      detections: DETECTIONS,
      baselines: deps.baselines,
      network: deps.network,
      clock: deps.clock,
    });
  }

  take(value: unknown, origin: RecordOrigin): IntakeOutcome {
    const normalized = normalizeRecord(value, origin);
    if (normalized.kind === "rejected") {
      this.deps.log.warn("record rejected", { origin, error: normalized.error });
      return "rejected";
    }
    if (normalized.kind === "ignored") return "ignored";
    const { use } = normalized;
    if (this.deps.recent.has(use.eventId)) {
      this.deps.log.debug("duplicate event skipped", { eventId: use.eventId, origin });
      return "duplicate";
    }
    const evaluation = this.#evaluator.evaluate(use);
    // Marked as seen only once its finding is recorded: a failure here makes the retry evaluate it again.
    if (evaluation !== undefined) this.deps.findings.record(evaluation.finding);
    this.deps.recent.add(use.eventId);
    return evaluation === undefined ? "quiet" : "finding";
  }
}

/** Counts of outcomes, for the summary line a function logs per invocation. */
export type IntakeCounts = Record<IntakeOutcome, number>;

/** A zeroed {@link IntakeCounts}. */
export function emptyCounts(): IntakeCounts {
  return { finding: 0, quiet: 0, duplicate: 0, ignored: 0, rejected: 0 };
}
