import type { PlaybookRequest } from "../domain/playbooks/executor.ts";

/**
 * Hands a decided playbook to whatever runs playbooks, when that is not this process: in a deployment
 * the evaluate, approvals and expiry functions hold no IAM permissions to act, so they queue the
 * request for the execute function (whose role has exactly the steps' permissions). The executor's
 * guards, locks, cap and kill switch apply when it runs.
 */
export interface PlaybookDispatch {
  /**
   * Queues `request`; resolves once it is durably queued. `dedupeKey` names the decision it comes from
   * (an approval request id, an exposure's decision), so the same decision queued twice runs once.
   */
  dispatch(request: PlaybookRequest, dedupeKey: string): Promise<void>;
}
