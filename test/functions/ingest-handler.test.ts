import { Readable } from "node:stream";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import {
  createIngestHandler,
  isTrailLogFile,
  notificationKey,
} from "../../functions/ingest/ingest-handler.ts";
import { s3TrailObjects, TrailObjectError } from "../../shared/adapters/s3-trail-objects.ts";
import type { TrailObjects } from "../../shared/ports/trail-objects.ts";
import {
  eventBridgeEvent,
  s3Notification,
  sqsBatch,
  sqsMessage,
  TRAIL_KEY,
  testIntake,
  trailFile,
} from "./support.ts";

const BUCKET = "vigil-trail-bucket";
const stopLogging = eventBridgeEvent().detail as Record<string, unknown>;
const expectedCall = {
  ...stopLogging,
  eventID: "11111111-2222-4333-8444-555555555555",
  eventSource: "s3.amazonaws.com",
  eventName: "ListBuckets",
  sourceIPAddress: "203.0.113.10",
};

/** A fake bucket: objects by key, served in small chunks; `opened` lists what was read. */
function fakeBucket(objects: Record<string, Buffer>, chunk = 64): TrailObjects & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    async open(bucket, key) {
      opened.push(`${bucket}/${key}`);
      const body = objects[key];
      if (body === undefined) throw new Error(`NoSuchKey: ${key}`);
      return (async function* () {
        for (let at = 0; at < body.length; at += chunk) yield body.subarray(at, at + chunk);
      })();
    },
  };
}

function setup(objects: Record<string, Buffer>) {
  const { intake, findings, lines, log } = testIntake();
  const objectsPort = fakeBucket(objects);
  const handler = createIngestHandler({ intake, log, objects: objectsPort });
  return { handler, findings, lines, objects: objectsPort };
}

const decodedKey = notificationKey(TRAIL_KEY);

describe("createIngestHandler", () => {
  it("reads a gzipped trail file named by an S3 notification and evaluates every record", async () => {
    const { handler, findings, lines, objects } = setup({
      [decodedKey]: trailFile([expectedCall, stopLogging, { not: "a record" }]),
    });
    const result = await handler(sqsBatch(sqsMessage(s3Notification(), "m-1")));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(objects.opened).toEqual([`${BUCKET}/${decodedKey}`]);
    expect(findings().map((f) => [f.eventName, f.origin])).toEqual([
      ["StopLogging", { file: `s3://${BUCKET}/${decodedKey}`, line: 1, index: 1 }],
    ]);
    expect(lines.at(-1)?.attributes).toEqual({
      messages: 1,
      files: 1,
      failed: 0,
      finding: 1,
      quiet: 1,
      duplicate: 0,
      ignored: 0,
      rejected: 1,
    });
  });

  it("evaluates an eventID once when the same file is announced twice", async () => {
    const { handler, findings, lines } = setup({ [decodedKey]: trailFile([stopLogging]) });
    await handler(sqsBatch(sqsMessage(s3Notification(), "m-1"), sqsMessage(s3Notification(), "m-2")));
    expect(findings()).toHaveLength(1);
    expect(lines.at(-1)?.attributes).toMatchObject({ files: 2, finding: 1, duplicate: 1 });
  });

  it("decodes the URL-encoded key S3 sends", async () => {
    const key = "AWSLogs/111122223333/CloudTrail/eu-central-1/2026/03/03/file name:1.json.gz";
    const { handler, findings } = setup({ [key]: trailFile([stopLogging]) });
    const encoded = "AWSLogs/111122223333/CloudTrail/eu-central-1/2026/03/03/file+name%3A1.json.gz";
    expect(await handler(sqsBatch(sqsMessage(s3Notification(encoded), "m-1")))).toEqual({
      batchItemFailures: [],
    });
    expect(findings()).toHaveLength(1);
  });

  it("reads an uncompressed trail file too", async () => {
    const { handler, findings } = setup({
      [decodedKey]: Buffer.from(JSON.stringify({ Records: [stopLogging] })),
    });
    await handler(sqsBatch(sqsMessage(s3Notification(), "m-1")));
    expect(findings()).toHaveLength(1);
  });

  it("skips digest files, deletions and S3's test event without reading anything", async () => {
    const { handler, objects } = setup({});
    const digest =
      "AWSLogs/111122223333/CloudTrail-Digest/eu-central-1/2026/03/03/x_CloudTrail-Digest.json.gz";
    const result = await handler(
      sqsBatch(
        sqsMessage(s3Notification(digest), "digest"),
        sqsMessage(s3Notification(undefined, "ObjectRemoved:Delete"), "removed"),
        sqsMessage({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: BUCKET }, "test-event"),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(objects.opened).toEqual([]);
  });

  it("fails the message whose file cannot be read, and still reads the others", async () => {
    const other = TRAIL_KEY.replace("x7Yd2kQp1N3bGm8L", "OTHERFILE0000001");
    const { handler, findings, lines } = setup({ [notificationKey(other)]: trailFile([stopLogging]) });
    const result = await handler(
      sqsBatch(sqsMessage(s3Notification(), "missing"), sqsMessage(s3Notification(other), "present")),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "missing" }]);
    expect(findings()).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "ingesting the trail file failed" }),
    );
  });

  it("fails the message of a truncated gzip file so that it is retried", async () => {
    const whole = trailFile([stopLogging, expectedCall]);
    const { handler } = setup({ [decodedKey]: whole.subarray(0, whole.length - 12) });
    const result = await handler(sqsBatch(sqsMessage(s3Notification(), "m-1")));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
  });

  it("fails a message that is not an S3 notification", async () => {
    const { handler } = setup({});
    const result = await handler(sqsBatch(sqsMessage(eventBridgeEvent(), "m-1")));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
  });

  it("throws when invoked with something other than an SQS batch", async () => {
    const { handler } = setup({});
    await expect(handler(s3Notification())).rejects.toThrow(/expected an SQS batch .* of S3 notifications/);
  });
});

describe("isTrailLogFile", () => {
  it("accepts CloudTrail log files of single-account and organization trails only", () => {
    expect(isTrailLogFile(notificationKey(TRAIL_KEY))).toBe(true);
    expect(isTrailLogFile("AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/2026/03/03/f.json.gz")).toBe(
      true,
    );
    expect(isTrailLogFile("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/03/f.json.gz")).toBe(
      false,
    );
    expect(isTrailLogFile("AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/03/03/f.json.gz")).toBe(
      false,
    );
    expect(isTrailLogFile("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/03/f.json")).toBe(false);
  });
});

describe("s3TrailObjects", () => {
  it("streams the object's body from one GetObject of the bucket and key", async () => {
    const s3 = mockClient(S3Client);
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: "AWSLogs/k.json.gz" }).resolves({
      Body: Readable.from([Buffer.from("abc"), Buffer.from("def")]) as never,
    });
    const body = await s3TrailObjects(new S3Client({ region: "eu-central-1" })).open(
      BUCKET,
      "AWSLogs/k.json.gz",
    );
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe("abcdef");
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    s3.restore();
  });

  it("rejects an answer without a body, naming the object", async () => {
    const s3 = mockClient(S3Client);
    s3.on(GetObjectCommand).resolves({});
    const open = s3TrailObjects(new S3Client({ region: "eu-central-1" })).open(BUCKET, "AWSLogs/k.json.gz");
    await expect(open).rejects.toThrow(TrailObjectError);
    await expect(open).rejects.toThrow(`s3://${BUCKET}/AWSLogs/k.json.gz came back without a readable body`);
    s3.restore();
  });
});
