import { concreteApprovers, mayApprove } from "../approvals/approvers.ts";
import type { ApprovalRequest } from "../approvals/request.ts";
import type { ApprovalPolicy } from "../config/compile.ts";
import { LINK_ACTIONS, type LinkAction, MAX_LINK_LIFETIME_MS, signApprovalLink } from "./approval-link.ts";

/** One signed link of a request: who it is for, what it does, where it points, until when. */
export interface IssuedLink {
  readonly approver: string;
  readonly action: LinkAction;
  /** `${baseUrl}/links/${token}`: the token is the credential, so the URL must only reach `approver`. */
  readonly url: string;
  readonly expiresAt: number;
}

/**
 * The signed links of a pending request, at `now`: for each concrete approver of its playbook (names
 * without `*` or `?`, see concreteApprovers) who is also among the request's own approvers, an approve
 * link and a deny link, living until the request expires or {@link MAX_LINK_LIFETIME_MS}, whichever
 * comes first. None for a request that is no longer open at `now`, or whose approvers are all
 * patterns (links need a name to be bound to). `baseUrl` is where the approvals API answers
 * (a trailing `/` is ignored).
 *
 * @example
 * issueApprovalLinks(request, { policy, secret, baseUrl: "https://abc.execute-api.eu-central-1.amazonaws.com", now })
 * // [{ approver: "alice", action: "approve", url: "https://…/links/eyJ2Ijoy….Q2x…", expiresAt }, …]
 */
export function issueApprovalLinks(
  request: ApprovalRequest,
  deps: {
    readonly policy: Pick<ApprovalPolicy, "approvers" | "playbookApprovers">;
    readonly secret: Buffer;
    readonly baseUrl: string;
    readonly now: number;
  },
): readonly IssuedLink[] {
  const { now } = deps;
  if (request.status !== "pending" || request.expiresAt <= now) return [];
  const expiresAt = Math.min(request.expiresAt, now + MAX_LINK_LIFETIME_MS);
  const base = deps.baseUrl.replace(/\/+$/, "");
  const links: IssuedLink[] = [];
  for (const approver of concreteApprovers(deps.policy, request.playbook.id)) {
    if (!mayApprove(request.approvers, approver)) continue;
    for (const action of LINK_ACTIONS) {
      const token = signApprovalLink(
        { requestId: request.id, action, approver, issuedAt: now, expiresAt },
        deps.secret,
      );
      links.push({ approver, action, url: `${base}/links/${token}`, expiresAt });
    }
  }
  return links;
}

/**
 * The lines of a request's notification that carry its links, grouped by approver; empty when there
 * are none. Each link works once, only for the approver it names, until the time shown.
 */
export function linkLines(links: readonly IssuedLink[]): readonly string[] {
  if (links.length === 0) return [];
  const until = new Date(Math.min(...links.map((l) => l.expiresAt))).toISOString();
  const lines = [
    `decide from your phone (each link works once, only for the approver it names, until ${until}; do not forward):`,
  ];
  for (const link of links) lines.push(`  ${link.approver} · ${link.action}: ${link.url}`);
  return lines;
}
