import type { ApprovalRequest } from "../domain/approvals/request.ts";

/**
 * Where approval requests are kept. A change is a read-modify-write of one request, written only if
 * the request is unchanged since it was read: two approvers voting at once (in one process, two
 * processes or two Lambda instances) are serialized, and the second sees the first one's decision.
 */
export interface ApprovalStore {
  /**
   * Stores `request` unless a request with the same key is still pending and not expired at `at`;
   * returns the stored request and whether it is the new one.
   */
  open(
    request: ApprovalRequest,
    at: number,
  ): Promise<{ readonly request: ApprovalRequest; readonly created: boolean }>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Every request, the newest first. */
  list(): Promise<readonly ApprovalRequest[]>;
  /**
   * Reads the request, calls `change` and writes the request it returns (if any), only if the request
   * is still the one read; when another writer came first, reads again and calls `change` again, so
   * `change` must be pure. An error thrown by `change` writes nothing and is rethrown. Resolves to
   * `change`'s result, or undefined when there is no such id.
   */
  update<R>(
    id: string,
    change: (current: ApprovalRequest) => { readonly next?: ApprovalRequest; readonly result: R },
  ): Promise<R | undefined>;
}
