import * as z from "zod";
import type { AttachedPolicy } from "../../../ports/iam-gateway.ts";
import { assertModifiableRole, ignoreGone } from "../containment.ts";
import { VIGIL_POLICY_PATH } from "../deny-policies.ts";
import { principalArn } from "../principal.ts";
import { defineStep } from "./step.ts";

const attachedList = z.array(z.object({ arn: z.string(), name: z.string() }));
const state = z.object({ attached: attachedList, detached: attachedList.optional() });

/**
 * Managed policies `detach-policies` never detaches: the quarantine AWS attaches to leaked keys
 * (AWSCompromisedKeyQuarantine, V2, V3…), the AWSDenyAll deny and vigil's own policies (/vigil/ path).
 * Detaching a deny would widen access, the opposite of containment.
 */
export function keepsAttached(policy: AttachedPolicy): boolean {
  return (
    /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?AWSCompromisedKeyQuarantine/.test(policy.arn) ||
    /^arn:[^:]+:iam::aws:policy\/AWSDenyAll$/.test(policy.arn) ||
    policy.arn.includes(`:policy${VIGIL_POLICY_PATH}`)
  );
}

/**
 * `detach-policies`: detaches every managed policy from a user or role, except the denies it must keep,
 * and records exactly which ones it detached so undo re-attaches those and no others.
 */
export const detachPolicies = defineStep({
  id: "detach-policies",
  summary: "detach the principal's managed policies, recording each one for undo",
  params: z.object({ principalArn: principalArn() }),
  permissions: [
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListAttachedUserPolicies",
    "iam:DetachRolePolicy",
    "iam:DetachUserPolicy",
  ],
  undoPermissions: [
    "iam:ListAttachedRolePolicies",
    "iam:ListAttachedUserPolicies",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
  ],
  undo: { reversible: true, how: "re-attach exactly the managed policies the run detached" },
  destructive: true,
  principalOf: (p) => p.principalArn.arn,
  subjectOf: (p) => p.principalArn.arn,
  async apply(p, { iam }) {
    const principal = p.principalArn;
    await assertModifiableRole(iam, principal);
    const attached = await iam.listAttachedPolicies(principal);
    const detach = attached.filter((policy) => !keepsAttached(policy));
    const kept = attached.filter(keepsAttached);
    const notes = kept.map((policy) => `kept ${policy.name}: a deny vigil never detaches`);
    if (detach.length === 0) {
      notes.push("no managed policy to detach");
      return { changed: false, before: { attached }, after: { attached, detached: [] }, notes };
    }
    const detached: AttachedPolicy[] = [];
    for (const policy of detach) {
      if (await ignoreGone(() => iam.detachPolicy(principal, policy.arn))) {
        notes.push(`${policy.name} was already detached`);
      } else detached.push(policy);
    }
    return { changed: detached.length > 0, before: { attached }, after: { attached: kept, detached }, notes };
  },
  async revert(p, applied, { iam }) {
    const principal = p.principalArn;
    const detached = state.parse(applied.after).detached ?? [];
    const current = await iam.listAttachedPolicies(principal);
    const missing = detached.filter((policy) => !current.some((c) => c.arn === policy.arn));
    const notes: string[] = [];
    const reattached: AttachedPolicy[] = [];
    for (const policy of missing) {
      if (await ignoreGone(() => iam.attachPolicy(principal, policy.arn))) {
        notes.push(`${policy.name} no longer exists and cannot be re-attached`);
      } else reattached.push(policy);
    }
    return {
      changed: reattached.length > 0,
      before: { attached: current },
      after: { attached: [...current, ...reattached], reattached },
      notes,
    };
  },
});
