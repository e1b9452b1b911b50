import type { VoteDeps } from "../../shared/domain/approvals/vote.ts";
import type { ApprovalsHandlerDeps } from "./approvals-handler.ts";

/**
 * The ports a vote needs, from the function's: a request that expires on a late vote is sent again
 * with signed links of its own, like every request vigil announces.
 */
export function voteDeps(deps: ApprovalsHandlerDeps): VoteDeps {
  return { ...deps, links: { key: async () => deps.secret, baseUrl: deps.baseUrl } };
}
