import { ArnPattern } from "../config/arn-pattern.ts";
import type { ApprovalPolicy } from "../config/compile.ts";

/**
 * Who may decide the approval requests of a playbook. An approver is a name (`alice`, given on the
 * CLI, the local console or bound into a signed link), an IAM ARN (the caller of the deployed
 * approvals API), or a `*`/`?` pattern over either.
 *
 * An IAM caller that assumed a role is known to API Gateway by its session ARN,
 * `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. That ARN is the identity recorded for the vote
 * (it names the person behind the session when the role's trust policy pins the session name, as IAM
 * Identity Center does), and it is matched both as it is and as the role's IAM ARN,
 * `arn:aws:iam::ACCOUNT:role/ROLE`, so that `arn:aws:iam::*:role/oncall-*` admits every session of
 * those roles. The session ARN does not carry the role's path: write role patterns without the path
 * (or with `*` in its place).
 */

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;

/** The approver patterns of `playbookId`: its own list under `approvals.playbooks`, else `approvals.approvers`. */
export function approversFor(
  policy: Pick<ApprovalPolicy, "approvers" | "playbookApprovers">,
  playbookId: string,
): readonly ArnPattern[] {
  return policy.playbookApprovers.get(playbookId) ?? policy.approvers;
}

/**
 * The forms an identity is matched under: itself, and for an STS assumed-role session ARN also the
 * IAM ARN of its role.
 *
 * @example
 * approverForms("arn:aws:sts::111122223333:assumed-role/oncall-eu/alice")
 * // ["arn:aws:sts::111122223333:assumed-role/oncall-eu/alice", "arn:aws:iam::111122223333:role/oncall-eu"]
 */
export function approverForms(identity: string): readonly string[] {
  const session = ASSUMED_ROLE.exec(identity);
  if (session === null) return [identity];
  const [, partition, account, role] = session;
  return [identity, `arn:${partition}:iam::${account}:role/${role}`];
}

/** True when `identity` (a name or an IAM ARN) matches one of `approvers` (pattern texts or compiled). */
export function mayApprove(approvers: readonly (string | ArnPattern)[], identity: string): boolean {
  const forms = approverForms(identity);
  return approvers.some((approver) => {
    const pattern = typeof approver === "string" ? new ArnPattern(approver) : approver;
    return forms.some((form) => pattern.matches(form));
  });
}

/** True when `identity` may decide requests of `playbookId` under `policy` (see {@link approversFor}). */
export function mayDecidePlaybook(
  policy: Pick<ApprovalPolicy, "approvers" | "playbookApprovers">,
  playbookId: string,
  identity: string,
): boolean {
  return mayApprove(approversFor(policy, playbookId), identity);
}

/**
 * The approvers of `playbookId` a signed link can be made for: the entries without `*` or `?` (a link
 * is bound to one approver, so it needs a concrete name), in the configured order, without repeats.
 */
export function concreteApprovers(
  policy: Pick<ApprovalPolicy, "approvers" | "playbookApprovers">,
  playbookId: string,
): readonly string[] {
  const names = approversFor(policy, playbookId)
    .map((p) => p.text)
    .filter((text) => !text.includes("*") && !text.includes("?"));
  return [...new Set(names)];
}
