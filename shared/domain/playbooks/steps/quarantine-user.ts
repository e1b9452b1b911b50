import * as z from "zod";
import { quarantine, releaseQuarantine } from "../containment.ts";
import { principalArn } from "../principal.ts";
import { defineStep } from "./step.ts";

/**
 * `quarantine-user`: denies every action to the user (inline policy `vigil-quarantine`; AWSDenyAll when
 * its inline policies are full) and tags it `vigil:quarantined` (since when) and
 * `vigil:quarantine-reason`. Its access keys are left as they are (deactivate-access-key does that).
 */
export const quarantineUser = defineStep({
  id: "quarantine-user",
  summary: "deny every action to a user and tag it as quarantined (why, since when)",
  params: z.object({ userArn: principalArn("user") }),
  permissions: [
    "iam:GetUserPolicy",
    "iam:PutUserPolicy",
    "iam:ListUserTags",
    "iam:TagUser",
    "iam:ListAttachedUserPolicies",
    "iam:AttachUserPolicy",
  ],
  undoPermissions: [
    "iam:GetUserPolicy",
    "iam:PutUserPolicy",
    "iam:DeleteUserPolicy",
    "iam:TagUser",
    "iam:UntagUser",
    "iam:DetachUserPolicy",
  ],
  undo: {
    reversible: true,
    how: "delete the quarantine policy (or detach the AWSDenyAll fallback) and remove the quarantine tags",
  },
  destructive: true,
  principalOf: (p) => p.userArn.arn,
  subjectOf: (p) => p.userArn.arn,
  apply: (p, ctx) => quarantine(p.userArn, ctx),
  revert: (p, applied, ctx) => releaseQuarantine(p.userArn, applied, ctx.iam),
});
