import type * as z from "zod";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { sqsBatchSchema } from "./event-schemas.ts";

/** The invocation is not an SQS batch: the function is wired to the wrong source. */
export class NotAnSqsBatchError extends VigilError {
  override name = "NotAnSqsBatchError";
}

/** The SQS batch a function was invoked with; throws NotAnSqsBatchError (the whole batch is retried). */
export function parseSqsBatch(event: unknown, expected: string): z.output<typeof sqsBatchSchema> {
  const batch = sqsBatchSchema.safeParse(event);
  if (batch.success) return batch.data;
  throw new NotAnSqsBatchError(
    `expected an SQS batch ({"Records":[{"messageId","body",…}]}) of ${expected}, got ${show(event, 120)}; ` +
      "connect the function only to its vigil queue",
    { cause: batch.error },
  );
}

/** One line per problem of a parse, `path: message`, for the log. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
}
