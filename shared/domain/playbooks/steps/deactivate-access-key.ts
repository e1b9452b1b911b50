import * as z from "zod";
import { principalArn } from "../principal.ts";
import { defineStep } from "./step.ts";

const params = z.object({
  accessKeyId: z.string().regex(/^AKIA[A-Z0-9]{12,124}$/, {
    error: "must be a long-term access key id like AKIAIOSFODNN7EXAMPLE",
  }),
  userArn: principalArn("user"),
});

const state = z.object({ status: z.enum(["Active", "Inactive"]) });

/**
 * `deactivate-access-key`: sets a user's access key to Inactive — never deletes it, so undo can make it
 * Active again. A key that is already Inactive is left alone (and undo leaves it Inactive).
 */
export const deactivateAccessKey = defineStep({
  id: "deactivate-access-key",
  summary: "set an access key to Inactive (not deleted, so it can be re-activated)",
  params,
  permissions: ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
  undoPermissions: ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
  undo: { reversible: true, how: "set the key back to Active if it was Active before the run" },
  destructive: true,
  principalOf: (p) => p.userArn.arn,
  subjectOf: (p) => p.userArn.arn,
  async apply(p, { iam }) {
    const status = await iam.getAccessKeyStatus(p.userArn.name, p.accessKeyId);
    if (status === "Inactive") {
      return {
        changed: false,
        before: { status },
        after: { status },
        notes: ["the key was already Inactive"],
      };
    }
    await iam.updateAccessKeyStatus(p.userArn.name, p.accessKeyId, "Inactive");
    return { changed: true, before: { status }, after: { status: "Inactive" }, notes: [] };
  },
  async revert(p, applied, { iam }) {
    const before = state.parse(applied.before);
    const now = await iam.getAccessKeyStatus(p.userArn.name, p.accessKeyId);
    if (before.status === "Inactive" || now === "Active") {
      const why = before.status === "Inactive" ? "the key was Inactive before the run" : "the key is Active";
      return { changed: false, before: { status: now }, after: { status: now }, notes: [why] };
    }
    await iam.updateAccessKeyStatus(p.userArn.name, p.accessKeyId, "Active");
    return { changed: true, before: { status: now }, after: { status: "Active" }, notes: [] };
  },
});
