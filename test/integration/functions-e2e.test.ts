import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ENV } from "../../functions/common/function-config.ts";
import { notificationKey } from "../../functions/ingest/ingest-handler.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import {
  eventBridgeEvent,
  s3Notification,
  sqsBatch,
  sqsMessage,
  TEST_CONFIG,
  TRAIL_KEY,
  trailFile,
} from "../functions/support.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import {
  awsClients,
  motoEndpoint,
  stubMotoEnvironment,
  TEST_CREDENTIALS,
  TEST_REGION,
} from "./support/moto.ts";
import { seedTopic, unique } from "./support/seed.ts";

const KEY = "AKIAIOSFODNN7CIKEY01";
const STOP_LOGGING_ID = "9c1e7a52-3b4d-4f6e-8a9b-0c1d2e3f4a5b";

/**
 * The Lambda entry modules end to end, as deployed: loaded fresh (a cold start) with the environment
 * the construct sets, their SDK clients pointed at moto by AWS_ENDPOINT_URL, invoked with real-shaped
 * SQS batches; the state they leave is read back from DynamoDB.
 */
describe("functions end to end (moto)", () => {
  let dir: string;
  let tableName: string;
  let written: string[];
  let topicArn: string;
  let queueUrl: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-e2e-"));
    writeFileSync(join(dir, "vigil.config.json"), JSON.stringify(TEST_CONFIG));
    const clients = awsClients();
    topicArn = await seedTopic(clients.sns);
    const queue = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `${unique("vigil-actions")}.fifo`,
        Attributes: { FifoQueue: "true" },
      }),
    );
    queueUrl = queue.QueueUrl!;
  });
  beforeEach(async () => {
    tableName = await createVigilTable();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  function coldStart() {
    vi.resetModules();
    vi.stubEnv(ENV.mode, "observe");
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, tableName);
    vi.stubEnv(ENV.topicArn, topicArn);
    vi.stubEnv(ENV.actionsQueueUrl, queueUrl);
    stubMotoEnvironment();
    written = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
  }

  const logLines = () =>
    written
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  const state = () => new DynamoEventStateStore({ client: dynamoClient(), tableName });

  it("evaluate: an EventBridge event in an SQS batch leaves its finding, exposure, baselines and mark in DynamoDB", async () => {
    coldStart();
    const { handler } = await import("../../functions/evaluate/handler.ts");
    const result = await handler(sqsBatch(sqsMessage(eventBridgeEvent(), "m-1")));
    expect(result).toEqual({ batchItemFailures: [] });

    const store = state();
    const findings = await store.findingsOf(`access-key|${KEY}`, 10);
    expect(findings.map((f) => [f.finding.eventId, f.finding.eventName])).toEqual([
      [STOP_LOGGING_ID, "StopLogging"],
    ]);
    expect(findings[0]?.finding.signals).toEqual(
      expect.arrayContaining(["logging-tampering", "unexpected-source"]),
    );
    const [exposure] = await store.loadExposures([`access-key|${KEY}`]);
    expect(exposure?.exposure).toMatchObject({ credential: { kind: "access-key", id: KEY }, findings: 1 });
    const baselines = await store.loadBaselines([
      { namespace: "subject", key: KEY },
      { namespace: "new-source", key: KEY },
    ]);
    expect(baselines.map((b) => b.namespace).sort()).toEqual(["new-source", "subject"]);
    expect(await store.processed([STOP_LOGGING_ID], Date.now())).toEqual(new Set([STOP_LOGGING_ID]));

    const finding = logLines().find((l) => l.message === "finding");
    expect(finding).toMatchObject({
      service: "vigil-evaluate",
      action: "observe mode: playbook deactivate-access-key is planned, never run",
      finding: { eventName: "StopLogging", credential: { kind: "access-key", id: "AKIA****************" } },
    });
    expect(written.join("")).not.toContain(KEY);
  });

  it("ingest: an eventID the live path stored is skipped when its S3 trail file arrives; the file's other records are evaluated", async () => {
    const bucket = unique("vigil-trail");
    const s3 = new S3Client({
      endpoint: motoEndpoint(),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const stopLogging = eventBridgeEvent().detail as Record<string, unknown>;
    const other = {
      ...stopLogging,
      eventID: "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8",
      eventName: "DeleteTrail",
      eventTime: "2026-03-03T23:50:00Z",
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: notificationKey(TRAIL_KEY),
        Body: trailFile([stopLogging, other]),
      }),
    );

    // The live path evaluates the event first…
    coldStart();
    const evaluate = await import("../../functions/evaluate/handler.ts");
    expect(await evaluate.handler(sqsBatch(sqsMessage(eventBridgeEvent(), "m-0")))).toEqual({
      batchItemFailures: [],
    });
    // …then its trail file arrives, in another instance.
    coldStart();
    const { handler } = await import("../../functions/ingest/handler.ts");
    const result = await handler(sqsBatch(sqsMessage(s3Notification(undefined, undefined, bucket), "m-1")));
    expect(result).toEqual({ batchItemFailures: [] });
    const done = logLines().find((l) => l.message === "batch done");
    expect(done).toMatchObject({ files: 1, duplicate: 1, finding: 1, failed: 0 });

    const findings = await state().findingsOf(`access-key|${KEY}`, 10);
    expect(findings.map((f) => f.finding.eventId).sort()).toEqual([STOP_LOGGING_ID, other.eventID].sort());
    const [exposure] = await state().loadExposures([`access-key|${KEY}`]);
    expect(exposure?.exposure.findings).toBe(2);
  });
});
