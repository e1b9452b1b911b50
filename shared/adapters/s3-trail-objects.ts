import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { VigilError } from "../domain/errors.ts";
import type { TrailObjects } from "../ports/trail-objects.ts";

/** A trail file could not be fetched from S3. */
export class TrailObjectError extends VigilError {
  override name = "TrailObjectError";
}

/**
 * TrailObjects over the S3 client: one GetObject per file, its body streamed (never held whole).
 * The client is built once per cold start by the handler.
 */
export function s3TrailObjects(client: S3Client): TrailObjects {
  return {
    async open(bucket, key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = response.Body as AsyncIterable<Uint8Array> | undefined;
      if (body === undefined || typeof body[Symbol.asyncIterator] !== "function") {
        throw new TrailObjectError(
          `s3://${bucket}/${key} came back without a readable body; check that the object still exists and retry`,
          { context: { bucket, key } },
        );
      }
      return body;
    },
  };
}
