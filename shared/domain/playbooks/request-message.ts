import * as z from "zod";
import { CREDENTIAL_KINDS, STEP_IDS } from "../vocabulary.ts";

/**
 * A decided playbook as the execute function receives it (see PlaybookRequest): invoked directly by an
 * operator, or queued on the actions queue by a PlaybookDispatch.
 */
export const playbookRequestSchema = z.object({
  playbook: z.object({
    id: z.string().min(1),
    steps: z
      .array(
        z.object({
          step: z.enum(STEP_IDS),
          target: z.string().min(1),
          params: z.record(z.string(), z.string()),
          description: z.string(),
        }),
      )
      .min(1),
    notes: z.array(z.string()),
  }),
  principalArn: z.string().startsWith("arn:"),
  credential: z.object({ kind: z.enum(CREDENTIAL_KINDS), id: z.string().min(1) }),
  reason: z.string().min(1),
});

/** The body of one message on the actions queue: the request and the decision it comes from. */
export const dispatchMessageSchema = z.object({
  request: playbookRequestSchema,
  dedupeKey: z.string().min(1),
});

export type DispatchMessage = z.output<typeof dispatchMessageSchema>;
