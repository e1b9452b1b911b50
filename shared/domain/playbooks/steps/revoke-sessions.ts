import * as z from "zod";
import { show } from "../../errors.ts";
import { assertModifiableRole, createOrFindPolicy, ignoreGone } from "../containment.ts";
import {
  REVOCATION_POLICY,
  revocationCutoff,
  revocationDocument,
  sameDocument,
  VIGIL_POLICY_PATH,
} from "../deny-policies.ts";
import { LimitExceededError } from "../errors.ts";
import { principalArn } from "../principal.ts";
import { defineStep } from "./step.ts";

const params = z.object({
  roleArn: principalArn("role"),
  issuedBefore: z.iso.datetime({ offset: true, error: "must be an ISO 8601 time like 2026-03-07T03:00:00Z" }),
});

const state = z.object({
  policy: z.string().nullable(),
  managedPolicyArn: z.string().optional(),
});

/**
 * `revoke-sessions`: denies every action to the role's sessions issued before the cutoff, with the
 * inline policy `vigil-revoke-sessions` (`DateLessThan aws:TokenIssueTime`). Sessions issued later
 * (a fresh AssumeRole) keep working. A revocation with the same or a later cutoff already in place is
 * left alone. When the role's inline policies are full (LimitExceeded), the same document goes into a
 * customer managed policy under /vigil/ that is attached instead.
 */
export const revokeSessions = defineStep({
  id: "revoke-sessions",
  summary: "deny every action to the role's sessions issued before a cutoff",
  params,
  permissions: [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicy",
    "iam:AttachRolePolicy",
  ],
  undoPermissions: [
    "iam:GetRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:DeletePolicy",
  ],
  undo: {
    reversible: true,
    how: "delete the revocation policy (or put back the one it replaced); a managed fallback is detached and deleted",
  },
  destructive: true,
  principalOf: (p) => p.roleArn.arn,
  subjectOf: (p) => p.roleArn.arn,
  async apply(p, ctx) {
    const role = p.roleArn;
    await assertModifiableRole(ctx.iam, role);
    const cutoff = new Date(p.issuedBefore).toISOString();
    const existing = await ctx.iam.getInlinePolicy(role, REVOCATION_POLICY);
    const before = { policy: existing ?? null };
    const existingCutoff = revocationCutoff(existing);
    if (existingCutoff !== undefined && existingCutoff >= Date.parse(cutoff)) {
      return {
        changed: false,
        before,
        after: before,
        notes: [`sessions issued before ${new Date(existingCutoff).toISOString()} are already revoked`],
      };
    }
    const document = revocationDocument(cutoff);
    try {
      await ctx.iam.putInlinePolicy(role, REVOCATION_POLICY, document);
      return { changed: true, before, after: { policy: document }, notes: [] };
    } catch (error) {
      if (!(error instanceof LimitExceededError)) throw error;
    }
    const name = `${REVOCATION_POLICY}-${ctx.runId}-${ctx.index}`;
    const arn = await createOrFindPolicy(
      ctx.iam,
      role,
      name,
      VIGIL_POLICY_PATH,
      document,
      "vigil: revoke older sessions",
    );
    await ctx.iam.attachPolicy(role, arn);
    return {
      changed: true,
      before,
      after: { policy: existing ?? null, managedPolicyArn: arn },
      notes: [`the role's inline policies are full (LimitExceeded): attached managed policy ${arn} instead`],
    };
  },
  async revert(p, applied, { iam }) {
    const role = p.roleArn;
    const before = state.parse(applied.before);
    const after = state.parse(applied.after);
    if (after.managedPolicyArn !== undefined) {
      const arn = after.managedPolicyArn;
      await ignoreGone(() => iam.detachPolicy(role, arn));
      await ignoreGone(() => iam.deletePolicy(arn));
      return {
        changed: true,
        before: { managedPolicyArn: arn },
        after: { policy: before.policy },
        notes: [],
      };
    }
    const current = await iam.getInlinePolicy(role, REVOCATION_POLICY);
    if (!sameDocument(current, after.policy ?? undefined)) {
      return {
        changed: false,
        before: { policy: current ?? null },
        after: { policy: current ?? null },
        notes: [
          `${REVOCATION_POLICY} was changed after the run (now ${show(current ?? null, 60)}): left as it is`,
        ],
      };
    }
    if (before.policy === null) await iam.deleteInlinePolicy(role, REVOCATION_POLICY);
    else await iam.putInlinePolicy(role, REVOCATION_POLICY, before.policy);
    return {
      changed: true,
      before: { policy: current ?? null },
      after: { policy: before.policy },
      notes: [],
    };
  },
});
