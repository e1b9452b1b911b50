/**
 * Where exported ledger records are kept for good: an S3 bucket with Object Lock in compliance mode in
 * a deployment. Objects are written once and never replaced; the archive itself is the export cursor
 * (the highest sequence number exported is read back from the object keys), so an export that crashed
 * after writing is not written again and one that crashed before writing is simply redone.
 */
export interface RecordArchive {
  /**
   * Every object key under `prefix`, once each, with the newest version that holds it. Keys hidden by a
   * delete marker are included: their locked versions still hold the records.
   */
  list(prefix: string): Promise<readonly ArchivedObject[]>;
  /** The user metadata of one stored object version (names in lower case, without `x-amz-meta-`). */
  metadata(object: ArchivedObject): Promise<Readonly<Record<string, string>>>;
  /**
   * Writes `object` only if no object holds its key yet, with its SHA-256 checked by the store.
   * Resolves to the version written, or `written: false` when the key was taken (by an earlier try).
   */
  putOnce(object: ArchiveObject): Promise<{ readonly written: boolean; readonly versionId?: string }>;
}

/** One stored object: its key and the version of it to read. */
export interface ArchivedObject {
  readonly key: string;
  /** Undefined on a store without versions. */
  readonly versionId: string | undefined;
}

/** One object to write. */
export interface ArchiveObject {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
  /** The SHA-256 of the body's UTF-8 bytes, hex. */
  readonly sha256: string;
  /** User metadata: lower-case names, ASCII values, at most 2 KB in all. */
  readonly metadata: Readonly<Record<string, string>>;
}
