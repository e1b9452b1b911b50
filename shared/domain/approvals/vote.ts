import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { PlaybookDispatch } from "../../ports/playbook-dispatch.ts";
import type { RunRecord } from "../../ports/playbook-run-store.ts";
import { show } from "../errors.ts";
import { coveringException } from "../exceptions/exception.ts";
import { dispatchedEntry, runStepEntries } from "../ledger/runs.ts";
import { type ExecutorDeps, type PlaybookRequest, runPlaybook } from "../playbooks/executor.ts";
import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalInputError,
  ApprovalNotFoundError,
  SuppressedByExceptionError,
} from "./errors.ts";
import { followUpExpired } from "./expire.ts";
import type { ApprovalDeps } from "./open.ts";
import { decidedEntry } from "./records.ts";
import type { ApprovalRequest } from "./request.ts";
import { applyVote, closedReason, type Vote } from "./verdict.ts";

/**
 * The ports a vote needs: the executor that runs an approved playbook here, or the dispatch that
 * queues it for the function that runs playbooks (one of them is required to approve; the executor
 * wins when both are given), and the exceptions, read at the vote.
 */
export interface VoteDeps extends ApprovalDeps {
  /** Runs the playbook of a request once it is approved, in this process. */
  readonly executor?: ExecutorDeps;
  /** Queues the playbook of an approved request under `approval:<id>`; used when there is no executor. */
  readonly dispatch?: PlaybookDispatch;
  /** Where the exceptions in force at the vote are read; none: no exception refuses an approval. */
  readonly exceptions?: Pick<ExceptionStore, "activeAt">;
}

/**
 * What a vote did: the request as stored after it, and the run an approval started here, or
 * `dispatched` when the approval queued its playbook instead (the run happens elsewhere).
 */
export interface VoteResult {
  readonly outcome: "approved" | "awaiting-second" | "denied";
  readonly request: ApprovalRequest;
  readonly run?: RunRecord;
  readonly dispatched?: true;
}

const iso = (at: number) => new Date(at).toISOString();

function checkText(value: string, what: string, fix: string): string {
  const text = value.trim();
  if (text === "") throw new ApprovalInputError(`${what} is missing or empty; ${fix}`);
  return text;
}

/**
 * Approves or denies a request. The vote is applied atomically (see applyVote): of two people deciding
 * at once exactly one decides, and the other gets AlreadyDecidedError naming who decided and when. A
 * vote at or after the expiry marks the request expired, follows it up and throws ApprovalExpiredError:
 * nothing runs. An approval is refused while a break-glass exception covers the request's subject.
 * The final approval runs the planned playbook through the executor (guards apply there) and records
 * each step, or, without an executor, hands it to the dispatch (deduplicated by the request id) and
 * records `playbook-dispatched`. Every vote is recorded as `approval-decided`.
 */
export async function decideApproval(id: string, vote: Vote, deps: VoteDeps): Promise<VoteResult> {
  const cast: Vote = {
    verdict: vote.verdict,
    by: checkText(vote.by, "the approver's name", "say who decides"),
    reason: checkText(vote.reason, "the reason", `say why you ${vote.verdict} it`),
  };
  const current = await deps.approvals.get(id);
  if (current === undefined) {
    throw new ApprovalNotFoundError(
      `no approval request ${show(id)} in the store; 'vigil approvals list' shows the ids (check --store)`,
      { context: { id } },
    );
  }
  const now = deps.clock.now();
  if (cast.verdict === "approve") {
    if (deps.executor === undefined && deps.dispatch === undefined) {
      throw new ApprovalInputError(
        `approving request ${id} runs its playbook, but neither an executor nor a dispatch was given`,
      );
    }
    const exception = coveringException(
      (await deps.exceptions?.activeAt(now)) ?? [],
      {
        principalArn: current.exposure.principal,
        credential: current.exposure.credential,
        playbook: current.playbook.id,
        signals: current.exposure.signals,
      },
      now,
    );
    if (exception !== undefined && current.status === "pending" && now < current.expiresAt) {
      throw new SuppressedByExceptionError(
        `break-glass exception ${exception.id} (granted by ${exception.grantedBy}: ${exception.reason}) covers ${current.exposure.credential.id} until ${iso(exception.expiresAt)}; nothing is executed while it is in force, so request ${id} stays pending (it expires at ${iso(current.expiresAt)}); revoke the exception first, or decide after it ends`,
        { context: { id, exception: exception.id } },
      );
    }
  }
  const outcome = await deps.approvals.update(id, (request) => {
    const result = applyVote(request, cast, now);
    return { next: result.kind === "closed" ? undefined : result.request, result };
  });
  if (outcome === undefined)
    throw new ApprovalNotFoundError(`approval request ${id} disappeared from the store`);
  if (outcome.kind === "closed") {
    if (outcome.request.status === "expired") {
      throw new ApprovalExpiredError(
        `${closedReason(outcome.request)}; nothing was executed and your ${cast.verdict} was not recorded`,
        {
          context: { id },
        },
      );
    }
    throw new AlreadyDecidedError(`${closedReason(outcome.request)}; your ${cast.verdict} was not recorded`, {
      context: { id },
    });
  }
  if (outcome.kind === "expired") {
    const followed = await followUpExpired(outcome.request, deps);
    const next =
      followed.expired?.renewedAs === undefined
        ? `it was escalated${followed.escalateTo === undefined ? "" : ` to ${followed.escalateTo}`}`
        : `it was sent again as request ${followed.expired.renewedAs}`;
    throw new ApprovalExpiredError(
      `request ${id} expired at ${iso(outcome.request.expiresAt)}, before your ${cast.verdict} at ${iso(now)}; nothing was executed and ${next}`,
      { context: { id } },
    );
  }
  const request = outcome.request;
  const verdict = outcome.kind === "denied" ? "denied" : "approved";
  await deps.ledger.append([decidedEntry(request, { by: cast.by, reason: cast.reason, at: now }, verdict)]);
  if (outcome.kind !== "approved") return { outcome: outcome.kind, request };
  const approvedBy = request.approvals.map((a) => `${a.by}: ${a.reason}`).join("; ");
  const playbook: PlaybookRequest = {
    playbook: request.playbook,
    principalArn: request.exposure.principal,
    credential: request.exposure.credential,
    reason: `${request.why}; approved by ${approvedBy} (request ${request.id})`,
  };
  if (deps.executor === undefined) {
    const dedupeKey = `approval:${request.id}`;
    await deps.dispatch!.dispatch(playbook, dedupeKey);
    await deps.ledger.append([dispatchedEntry(playbook, dedupeKey, deps.clock.now())]);
    return { outcome: "approved", request, dispatched: true };
  }
  const run = await runPlaybook(playbook, deps.executor);
  await deps.ledger.append(runStepEntries(run));
  const stored =
    (await deps.approvals.update(id, (r) => {
      const next = { ...r, runId: run.id };
      return { next, result: next };
    })) ?? request;
  return { outcome: "approved", request: stored, run };
}
