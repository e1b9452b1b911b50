import type { SQSBatchResponse } from "aws-lambda";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { runStepEntries } from "../../shared/domain/ledger/runs.ts";
import {
  type ExecutorDeps,
  outcomeLine,
  type PlaybookRequest,
  runPlaybook,
} from "../../shared/domain/playbooks/executor.ts";
import {
  dispatchMessageSchema,
  playbookRequestSchema,
} from "../../shared/domain/playbooks/request-message.ts";
import type { StepGateways } from "../../shared/domain/playbooks/steps/step.ts";
import type { LedgerStore } from "../../shared/ports/ledger-store.ts";
import { sqsMessageSchema } from "../common/event-schemas.ts";
import type { Mode } from "../common/function-config.ts";
import type { FunctionLog } from "../common/log.ts";
import { describeIssues } from "../common/sqs-batch.ts";

/** The invocation is not a playbook request. */
export class NotAPlaybookRequestError extends VigilError {
  override name = "NotAPlaybookRequestError";
}

/** What the execute function answers a direct invocation: the persisted run, one line per step. */
export interface ExecuteResult {
  readonly status: "refused" | "completed" | "blocked" | "failed" | "running" | "undone";
  readonly runId?: string;
  readonly steps: readonly string[];
  readonly reason?: string;
}

/** The gateways the steps act through in one account: IAM and Secrets Manager. */
export type AccountGateways = Pick<StepGateways, "iam" | "secrets">;

/** What the execute handler needs. */
export interface ExecuteDeps {
  /** The executor's ports but the account's gateways, which come with each request. */
  readonly executor: Omit<ExecutorDeps, "iam" | "secrets">;
  /**
   * The gateways of the account of a request's principal: vigil's own, or a member account's (acting
   * through its member role). Throws when the principal's account cannot be told.
   */
  readonly gatewaysFor: (principalArn: string) => AccountGateways;
  /** Where every run's steps are recorded (`playbook-step`), after the run. */
  readonly ledger: Pick<LedgerStore, "append">;
  readonly mode: Mode;
  readonly log: FunctionLog;
}

/** One message of the actions queue. */
const messageSchema = sqsMessageSchema(dispatchMessageSchema);

/**
 * The execute function: runs decided playbooks through the executor (guards, locks, the action cap,
 * the kill switch and persisted, resumable steps all apply), in `enforce` mode only; in `observe` mode
 * it refuses and acts on nothing. Each run acts with the gateways of its principal's account and its
 * steps are recorded in the ledger once it ends (a failure to record fails the invocation: the run stays
 * in the run store, and a redelivery runs the plan again, finding its steps done, and records that).
 * Two callers:
 * - the actions queue (SQS FIFO; evaluate, approvals and expiry queue what was decided): each message
 *   runs its playbook; a message that is not a queued request is reported failed (and reaches the
 *   dead-letter queue), as is one whose run threw, and — FIFO order — every message after it.
 * - an operator invoking it with one request: answers the run; a request that is not one throws.
 */
export function createExecuteHandler(
  deps: ExecuteDeps,
): (event: unknown) => Promise<ExecuteResult | SQSBatchResponse> {
  const execute = async (request: PlaybookRequest, origin: string): Promise<ExecuteResult> => {
    const { executor, mode, log } = deps;
    if (mode !== "enforce") {
      const reason = `observe mode: playbook ${request.playbook.id} for ${request.credential.kind} ${request.credential.id} is not run; switch the Vigil construct to mode "enforce" to let vigil act`;
      log.warn("playbook refused", { reason, origin });
      return { status: "refused", steps: [], reason };
    }
    const run = await runPlaybook(request, { ...executor, ...deps.gatewaysFor(request.principalArn) });
    await deps.ledger.append(runStepEntries(run));
    const steps = run.steps.map(outcomeLine);
    log.info("playbook run", { runId: run.id, status: run.status, playbook: run.playbook, steps, origin });
    return { status: run.status, runId: run.id, steps };
  };

  return async (event) => {
    if (typeof event === "object" && event !== null && "Records" in event && Array.isArray(event.Records)) {
      return runQueued(event.Records, execute, deps.log);
    }
    const parsed = playbookRequestSchema.safeParse(event);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`);
      throw new NotAPlaybookRequestError(
        `expected a playbook request {playbook, principalArn, credential, reason}, got ${show(event, 120)}: ${problems.join("; ")}`,
        { context: { problems } },
      );
    }
    return execute(parsed.data, "invocation");
  };
}

async function runQueued(
  records: readonly unknown[],
  execute: (request: PlaybookRequest, origin: string) => Promise<ExecuteResult>,
  log: FunctionLog,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  for (const raw of records) {
    const id = String((raw as { messageId?: unknown }).messageId ?? "");
    if (failures.length > 0) {
      failures.push({ itemIdentifier: id });
      continue;
    }
    const message = messageSchema.safeParse(raw);
    if (!message.success) {
      log.error("message is not a queued playbook request", {
        messageId: id,
        problems: describeIssues(message.error),
        body: show((raw as { body?: unknown }).body, 200),
      });
      failures.push({ itemIdentifier: id });
      continue;
    }
    try {
      await execute(message.data.body.request, `queue:${message.data.body.dedupeKey}`);
    } catch (error) {
      log.error("running a queued playbook failed", { messageId: id, error });
      failures.push({ itemIdentifier: id });
    }
  }
  return { batchItemFailures: failures };
}
