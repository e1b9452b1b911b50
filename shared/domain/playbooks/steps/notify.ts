import * as z from "zod";
import { defineStep } from "./step.ts";

/**
 * `notify`: publishes what the run did to the owner's and on-call's channel (SNS). A published
 * message cannot be recalled; the run store keeps that it was sent, so a rerun does not send it twice.
 */
export const notify = defineStep({
  id: "notify",
  summary: "tell the owner and on-call what happened and what vigil did",
  params: z.object({
    credential: z.string().min(1, { error: "must name the credential, like access-key:AKIA…" }),
  }),
  permissions: ["sns:Publish"],
  undoPermissions: [],
  undo: { reversible: false, why: "a published notification cannot be recalled (it changed no access)" },
  destructive: false,
  principalOf: () => undefined,
  subjectOf: (p) => p.credential,
  async apply(p, ctx) {
    const subject = `vigil: ${p.credential}`.replace(/\s+/g, " ").slice(0, 100);
    const lines = [
      `vigil run ${ctx.runId} about ${p.credential} of ${ctx.principal}`,
      `why: ${ctx.reason}`,
      ...(ctx.outcomes.length === 0 ? [] : ["steps:", ...ctx.outcomes.map((line) => `  - ${line}`)]),
      `undo: vigil undo ${ctx.runId}`,
    ];
    const id = await ctx.notifier.publish({ subject, message: lines.join("\n") });
    return { changed: true, before: {}, after: { messageId: id }, notes: [] };
  },
});
