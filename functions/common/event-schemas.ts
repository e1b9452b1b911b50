import * as z from "zod";

/**
 * The events vigil's functions are invoked with, parsed at the edge: only the fields vigil reads are
 * required and kept (zod objects drop the others). These replace Powertools' parser schemas, which
 * import zod as one object (`import { z } from "zod"`) and so pull all of zod into a bundle — its
 * every locale included, about 380 KB of a function's code — where these named uses let esbuild keep
 * only what is called (`npm run bench -- --only lambda` reports the sizes).
 */

/**
 * A string holding JSON (an SQS message's body), parsed and then checked against `schema`. Text that
 * is not JSON is one issue, `Invalid JSON - <the parser's message>`, and `schema` is not run.
 */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `Invalid JSON - ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/**
 * One SQS message as Lambda's SQS event source delivers it: its id (what `batchItemFailures` names)
 * and its body, still text.
 */
export const sqsRecordSchema = z.object({
  messageId: z.string(),
  body: z.string(),
});

/** An SQS batch: at least one message (see {@link sqsRecordSchema}). */
export const sqsBatchSchema = z.object({
  Records: z.array(sqsRecordSchema).min(1),
});

/** One SQS message whose body is JSON matching `body` (see {@link jsonBody}). */
export function sqsMessageSchema<T extends z.ZodType>(body: T) {
  return sqsRecordSchema.extend({ body: jsonBody(body) });
}

/**
 * An EventBridge event: its id, its `detail-type` (which says whether `detail` is a CloudTrail
 * record) and its `detail`, left for the record's own parser (shared/domain/normalize).
 */
export const eventBridgeEventSchema = z.object({
  id: z.string(),
  "detail-type": z.string(),
  detail: z.unknown(),
});

/** One record of an S3 event notification: what happened, to which object in which bucket. */
const s3NotificationRecordSchema = z.object({
  /** `ObjectCreated:Put`, `ObjectRemoved:Delete`, … */
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    /** URL-encoded, with `+` for spaces (functions/ingest decodes it). */
    object: z.object({ key: z.string() }),
  }),
});

/** An S3 event notification: at least one record (see {@link s3NotificationRecordSchema}). */
export const s3NotificationSchema = z.object({
  Records: z.array(s3NotificationRecordSchema).min(1),
});

/**
 * An API Gateway HTTP API request in payload format 2.0: the headers (names in lower case), the
 * body (base64 when `isBase64Encoded`), and from the request context the request id, the domain and
 * stage it was reached at, the method and path, and the caller's ARN when the route uses IAM
 * authorization.
 */
export const httpApiEventSchema = z.object({
  version: z.literal("2.0"),
  headers: z.record(z.string(), z.string()),
  body: z.string().optional(),
  isBase64Encoded: z.boolean(),
  requestContext: z.object({
    requestId: z.string(),
    domainName: z.string(),
    stage: z.string(),
    http: z.object({ method: z.string(), path: z.string() }),
    authorizer: z.object({ iam: z.object({ userArn: z.string().optional() }).optional() }).optional(),
  }),
});
