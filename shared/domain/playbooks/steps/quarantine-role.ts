import * as z from "zod";
import { quarantine, releaseQuarantine } from "../containment.ts";
import { principalArn } from "../principal.ts";
import { defineStep } from "./step.ts";

/**
 * `quarantine-role`: denies every action to the role (inline policy `vigil-quarantine`; AWSDenyAll when
 * its inline policies are full) and tags it `vigil:quarantined` (since when) and
 * `vigil:quarantine-reason`. Service-linked roles are refused.
 */
export const quarantineRole = defineStep({
  id: "quarantine-role",
  summary: "deny every action to a role and tag it as quarantined (why, since when)",
  params: z.object({ roleArn: principalArn("role") }),
  permissions: [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:PutRolePolicy",
    "iam:ListRoleTags",
    "iam:TagRole",
    "iam:ListAttachedRolePolicies",
    "iam:AttachRolePolicy",
  ],
  undoPermissions: [
    "iam:GetRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:DetachRolePolicy",
  ],
  undo: {
    reversible: true,
    how: "delete the quarantine policy (or detach the AWSDenyAll fallback) and remove the quarantine tags",
  },
  destructive: true,
  principalOf: (p) => p.roleArn.arn,
  subjectOf: (p) => p.roleArn.arn,
  apply: (p, ctx) => quarantine(p.roleArn, ctx),
  revert: (p, applied, ctx) => releaseQuarantine(p.roleArn, applied, ctx.iam),
});
