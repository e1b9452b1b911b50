/**
 * Reads trail files out of a bucket, as a stream of bytes (gzip as CloudTrail writes them). A port, so
 * the ingest handler is tested with files from disk and runs in Lambda with the S3 client.
 */
export interface TrailObjects {
  /** The bytes of one object; rejects when it cannot be read (missing, no permission, throttled). */
  open(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>>;
}
