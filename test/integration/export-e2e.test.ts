import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ENV } from "../../functions/common/function-config.ts";
import { BUCKET_ENV } from "../../functions/export/config.ts";
import { DynamoLedger, ledgerKeys } from "../../shared/adapters/dynamodb-ledger.ts";
import { S3RecordArchive } from "../../shared/adapters/s3-record-archive.ts";
import type { LedgerRecord } from "../../shared/domain/ledger/record.ts";
import { entry, fixture } from "../functions/export-support.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { motoEndpoint, stubMotoEnvironment, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";
import { unique } from "./support/seed.ts";

const s3 = () =>
  new S3Client({
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });

/** A records bucket as the construct configures it: versioned, Object Lock, COMPLIANCE default retention. */
async function lockedBucket(client: S3Client, days = 1): Promise<string> {
  const bucket = unique("vigil-records");
  await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await client.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: days } },
      },
    }),
  );
  return bucket;
}

async function text(client: S3Client, bucket: string, key: string): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString("utf8")) ?? "";
}

/**
 * The export function end to end, as deployed: its entry module loaded fresh (a cold start) with the
 * environment the construct sets, the ledger in DynamoDB and the records bucket in S3 (moto), the
 * bucket created with Object Lock and a COMPLIANCE default retention.
 */
describe("export function end to end (moto)", () => {
  let tableName: string;
  let bucket: string;
  let client: S3Client;
  let ledger: DynamoLedger;
  beforeEach(async () => {
    client = s3();
    tableName = await createVigilTable();
    bucket = await lockedBucket(client);
    ledger = new DynamoLedger({ client: dynamoClient(), tableName });
    vi.resetModules();
    vi.stubEnv(ENV.tableName, tableName);
    vi.stubEnv(BUCKET_ENV, bucket);
    stubMotoEnvironment();
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  const handlerModule = () => import("../../functions/export/handler.ts");

  it("exports the ledger to a locked object whose checksum the store verified; a delete of that version is refused", async () => {
    for (let n = 1; n <= 3; n++) await ledger.append([entry(n)]);
    const { handler } = await handlerModule();
    const result = await handler(fixture("scheduler-invocation.json"));
    expect(result).toMatchObject({ status: "exported", firstSeq: 1, lastSeq: 3, records: 3 });
    if (result.status === "up-to-date") throw new Error("expected an export");

    const stored: LedgerRecord[] = [];
    for await (const r of ledger.read()) stored.push(r);
    const body = await text(client, bucket, result.key);
    expect(
      body
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual(stored);
    const sha = createHash("sha256").update(body).digest();

    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: result.key, ChecksumMode: "ENABLED" }),
    );
    expect(head.ChecksumSHA256).toBe(sha.toString("base64"));
    expect(head.ObjectLockMode).toBe("COMPLIANCE");
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(head.Metadata).toMatchObject({
      "vigil-chain": "intact",
      "vigil-first-seq": "1",
      "vigil-last-seq": "3",
      "vigil-last-hash": stored[2]!.hash,
      "vigil-sha256": sha.toString("hex"),
    });
    expect(head.VersionId).toBe(result.versionId);

    await expect(
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: result.key, VersionId: result.versionId })),
    ).rejects.toMatchObject({ name: "AccessDenied" });
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions?.map((v) => v.Key)).toEqual([result.key]);
  });

  it("the next export continues after the last one, and a delete marker does not make records export twice", async () => {
    for (let n = 1; n <= 2; n++) await ledger.append([entry(n)]);
    const { handler } = await handlerModule();
    const first = await handler({});
    if (first.status === "up-to-date") throw new Error("expected an export");
    // A delete without a version id only hides the object behind a delete marker; its version stays locked.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: first.key }));
    expect(await handler({})).toMatchObject({ status: "up-to-date", lastSeq: 2 });
    await ledger.append([entry(3)]);
    expect(await handler({})).toMatchObject({ status: "exported", firstSeq: 3, lastSeq: 3 });
    const keys = (await new S3RecordArchive(client, bucket).list("records/")).map((o) => o.key).sort();
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => k.replace(/^records\/\d{4}\/\d{2}\/\d{2}\//, ""))).toEqual([
      "1-2.jsonl",
      "3-3.jsonl",
    ]);
  });

  it("refuses to export a ledger whose stored record was edited in the table, and writes nothing", async () => {
    for (let n = 1; n <= 3; n++) await ledger.append([entry(n)]);
    const [, second] = await (async () => {
      const all: LedgerRecord[] = [];
      for await (const r of ledger.read()) all.push(r);
      return all;
    })();
    await dynamoClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: ledgerKeys.record(2),
        UpdateExpression: "SET v = :v",
        ExpressionAttributeValues: { ":v": JSON.stringify({ ...second, reason: "nothing happened" }) },
      }),
    );
    const { handler } = await handlerModule();
    await expect(handler({})).rejects.toThrow(
      /refusing to export: the ledger's chain does not verify \(edited\)/,
    );
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions ?? []).toEqual([]);
  });
});

describe("S3RecordArchive (moto)", () => {
  it("writes a key once: a second write of it is refused by the store, not replaced", async () => {
    const client = s3();
    const bucket = await lockedBucket(client);
    const archive = new S3RecordArchive(client, bucket);
    const body = "{}\n";
    const object = {
      key: "records/2026/03/10/1-1.jsonl",
      body,
      contentType: "application/x-ndjson",
      sha256: createHash("sha256").update(body).digest("hex"),
      metadata: { "vigil-last-hash": "a".repeat(64) },
    };
    const written = await archive.putOnce(object);
    expect(written.written).toBe(true);
    expect(await archive.putOnce({ ...object, body: "changed\n" })).toEqual({ written: false });
    expect(await text(client, bucket, object.key)).toBe(body);
    const [listed] = await archive.list("records/");
    expect(listed).toEqual({ key: object.key, versionId: written.versionId });
    expect(await archive.metadata(listed!)).toEqual({ "vigil-last-hash": "a".repeat(64) });
  });

  it("names the bucket, the call and the fix when the bucket is missing", async () => {
    const archive = new S3RecordArchive(s3(), unique("vigil-missing"));
    await expect(archive.list("records/")).rejects.toThrow(
      /S3 ListObjectVersions of "records\/" in bucket "vigil-missing-[0-9a-f]+" failed \(NoSuchBucket: .*\); the bucket does not exist/,
    );
  });
});
