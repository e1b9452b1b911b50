import {
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { show, VigilError } from "../domain/errors.ts";
import type { ArchivedObject, ArchiveObject, RecordArchive } from "../ports/record-archive.ts";

/** The records bucket could not be read or written; the message names the call, the bucket and the fix. */
export class RecordArchiveError extends VigilError {
  override name = "RecordArchiveError";
}

/**
 * What the archive calls on the bucket, as IAM actions: ListObjectVersions is authorized as
 * `s3:ListBucketVersions`, HeadObject of a version as `s3:GetObjectVersion`, PutObject as `s3:PutObject`.
 */
export const S3_ARCHIVE_ACTIONS = ["s3:ListBucketVersions", "s3:GetObjectVersion", "s3:PutObject"] as const;

function awsName(error: unknown): { name: string; status: unknown } {
  const { name, $metadata } = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return { name: typeof name === "string" ? name : "UnknownError", status: $metadata?.httpStatusCode };
}

/**
 * The RecordArchive on an S3 bucket (versioned, with Object Lock in a deployment: the bucket's default
 * retention locks every object written). Writes are conditional (`If-None-Match: *`), carry the
 * body's SHA-256 (`x-amz-checksum-sha256`; Object Lock buckets refuse writes without an integrity
 * checksum, and S3 refuses a body that does not match it), and never replace an object. IAM:
 * {@link S3_ARCHIVE_ACTIONS}. The client belongs to the caller.
 */
export class S3RecordArchive implements RecordArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async list(prefix: string): Promise<readonly ArchivedObject[]> {
    const newest = new Map<string, ArchivedObject & { modified: number }>();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page: ListObjectVersionsCommandOutput = await this.#send("ListObjectVersions", prefix, () =>
        this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
            ...(versionMarker === undefined ? {} : { VersionIdMarker: versionMarker }),
          }),
        ),
      );
      for (const version of page.Versions ?? []) {
        if (version.Key === undefined) continue;
        const modified = version.LastModified?.getTime() ?? 0;
        const known = newest.get(version.Key);
        if (known === undefined || modified > known.modified) {
          const versionId = version.VersionId === "null" ? undefined : version.VersionId;
          newest.set(version.Key, { key: version.Key, versionId, modified });
        }
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      versionMarker = more ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return [...newest.values()].map(({ key, versionId }) => ({ key, versionId }));
  }

  async metadata(object: ArchivedObject): Promise<Readonly<Record<string, string>>> {
    const head = await this.#send("HeadObject", object.key, () =>
      this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: object.key,
          ...(object.versionId === undefined ? {} : { VersionId: object.versionId }),
        }),
      ),
    );
    return head.Metadata ?? {};
  }

  async putOnce(object: ArchiveObject): Promise<{ readonly written: boolean; readonly versionId?: string }> {
    try {
      const put = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: object.contentType,
          ChecksumAlgorithm: "SHA256",
          ChecksumSHA256: Buffer.from(object.sha256, "hex").toString("base64"),
          IfNoneMatch: "*",
          Metadata: { ...object.metadata },
        }),
      );
      return { written: true, ...(put.VersionId === undefined ? {} : { versionId: put.VersionId }) };
    } catch (error) {
      const { name, status } = awsName(error);
      if (name === "PreconditionFailed" || status === 412) return { written: false };
      throw this.#error("PutObject", object.key, error);
    }
  }

  async #send<T>(operation: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.#error(operation, key, error);
    }
  }

  #error(operation: string, key: string, error: unknown): RecordArchiveError {
    const { name, status } = awsName(error);
    const message = error instanceof Error ? error.message : String(error);
    const fix =
      name === "AccessDenied" || status === 403
        ? `the function's role needs ${S3_ARCHIVE_ACTIONS.join(", ")} on the bucket (the Vigil construct grants them: redeploy the stack)`
        : name === "NoSuchBucket"
          ? "the bucket does not exist: check VIGIL_RECORDS_BUCKET, or redeploy the stack"
          : "the export is retried by its schedule; if it keeps failing, check the bucket";
    return new RecordArchiveError(
      `S3 ${operation} of ${show(key)} in bucket ${show(this.bucket)} failed (${name}: ${message}); ${fix}`,
      { cause: error, context: { operation, bucket: this.bucket, key, code: name } },
    );
  }
}
