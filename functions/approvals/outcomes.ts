import { approverForms, approversFor } from "../../shared/domain/approvals/approvers.ts";
import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalInputError,
  ApprovalNotFoundError,
  NotAllowedToDecideError,
  SuppressedByExceptionError,
} from "../../shared/domain/approvals/errors.ts";
import type { ApprovalRequest } from "../../shared/domain/approvals/request.ts";
import type { ApprovalPolicy } from "../../shared/domain/config/compile.ts";
import { show } from "../../shared/domain/errors.ts";
import { type LinkRefusal, SignedLinkError } from "../../shared/domain/signed-links/approval-link.ts";

/** The HTTP status of each refusal of a signed link. */
const LINK_STATUS: Readonly<Record<LinkRefusal, number>> = {
  malformed: 400,
  "wrong-request": 400,
  "bad-signature": 403,
  expired: 410,
  used: 410,
};

/**
 * The HTTP status and short title of an error the approvals routes expect, or undefined for any other
 * error (a failure of the function itself, answered with 500).
 */
export function refusalOf(error: unknown): { readonly status: number; readonly title: string } | undefined {
  if (error instanceof SignedLinkError) {
    const titles: Record<LinkRefusal, string> = {
      malformed: "Not an approval link",
      "wrong-request": "Link for another request",
      "bad-signature": "Link not valid",
      expired: "Link expired",
      used: "Link already used",
    };
    return { status: LINK_STATUS[error.refusal], title: titles[error.refusal] };
  }
  if (error instanceof ApprovalNotFoundError) return { status: 404, title: "Request not found" };
  if (error instanceof ApprovalInputError) return { status: 400, title: "Something is missing" };
  if (error instanceof NotAllowedToDecideError) return { status: 403, title: "Not allowed to decide" };
  if (error instanceof AlreadyDecidedError) return { status: 409, title: "Already decided" };
  if (error instanceof SuppressedByExceptionError) return { status: 409, title: "Held by an exception" };
  if (error instanceof ApprovalExpiredError) return { status: 410, title: "Request expired" };
  return undefined;
}

/**
 * Refuses `identity` (a link's approver or an IAM caller) for a request whose playbook's current
 * approvers do not admit it: a NotAllowedToDecideError naming the approvers and the config field.
 */
export function notAnApprover(
  request: ApprovalRequest,
  identity: string,
  policy: Pick<ApprovalPolicy, "approvers" | "playbookApprovers">,
): NotAllowedToDecideError {
  const playbook = request.playbook.id;
  const field = policy.playbookApprovers.has(playbook)
    ? `approvals.playbooks.${playbook}.approvers`
    : "approvals.approvers";
  const forms = approverForms(identity);
  const as = forms.length > 1 ? ` (matched as ${forms.join(" and as ")})` : "";
  return new NotAllowedToDecideError(
    `${show(identity)}${as} may not decide requests of playbook ${playbook}; its approvers are ${approversFor(
      policy,
      playbook,
    )
      .map((p) => p.text)
      .join(
        ", ",
      )} (${field} in the config): decide as one of them, or ask the stack's owner to add you there`,
    { context: { id: request.id, by: identity } },
  );
}
