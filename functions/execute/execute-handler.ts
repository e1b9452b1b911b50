import { z } from "zod";
import { show, VigilError } from "../../shared/domain/errors.ts";
import {
  type ExecutorDeps,
  outcomeLine,
  type PlaybookRequest,
  runPlaybook,
} from "../../shared/domain/playbooks/executor.ts";
import { CREDENTIAL_KINDS, STEP_IDS } from "../../shared/domain/vocabulary.ts";
import type { Mode } from "../common/function-config.ts";
import type { FunctionLog } from "../common/log.ts";

/** The invocation is not a playbook request. */
export class NotAPlaybookRequestError extends VigilError {
  override name = "NotAPlaybookRequestError";
}

/** A decided playbook to execute, as the evaluate function (or an operator) sends it. */
export const playbookRequestSchema = z.object({
  playbook: z.object({
    id: z.string().min(1),
    steps: z
      .array(
        z.object({
          step: z.enum(STEP_IDS),
          target: z.string().min(1),
          params: z.record(z.string(), z.string()),
          description: z.string(),
        }),
      )
      .min(1),
    notes: z.array(z.string()),
  }),
  principalArn: z.string().startsWith("arn:"),
  credential: z.object({ kind: z.enum(CREDENTIAL_KINDS), id: z.string().min(1) }),
  reason: z.string().min(1),
});

/** What the execute function answers: the persisted run, one line per step. */
export interface ExecuteResult {
  readonly status: "refused" | "completed" | "blocked" | "failed" | "running" | "undone";
  readonly runId?: string;
  readonly steps: readonly string[];
  readonly reason?: string;
}

/** What the execute handler needs. */
export interface ExecuteDeps {
  readonly executor: ExecutorDeps;
  readonly mode: Mode;
  readonly log: FunctionLog;
}

/**
 * The execute function: runs one decided playbook through the executor (guards, locks, the action
 * cap, the kill switch and persisted, resumable steps all apply), in `enforce` mode only; in
 * `observe` mode it refuses and acts on nothing. A request that is not a playbook request throws
 * (the invocation fails and nothing acts).
 */
export function createExecuteHandler(deps: ExecuteDeps): (event: unknown) => Promise<ExecuteResult> {
  const { executor, mode, log } = deps;
  return async (event) => {
    const parsed = playbookRequestSchema.safeParse(event);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`);
      throw new NotAPlaybookRequestError(
        `expected a playbook request {playbook, principalArn, credential, reason}, got ${show(event, 120)}: ${problems.join("; ")}`,
        { context: { problems } },
      );
    }
    const request: PlaybookRequest = parsed.data;
    if (mode !== "enforce") {
      const reason = `observe mode: playbook ${request.playbook.id} for ${request.credential.kind} ${request.credential.id} is not run; switch the Vigil construct to mode "enforce" to let vigil act`;
      log.warn("playbook refused", { reason });
      return { status: "refused", steps: [], reason };
    }
    const run = await runPlaybook(request, executor);
    const steps = run.steps.map(outcomeLine);
    log.info("playbook run", { runId: run.id, status: run.status, playbook: run.playbook, steps });
    return { status: run.status, runId: run.id, steps };
  };
}
