import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { ENV } from "../../functions/common/function-config.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { sqsBatch, sqsMessage, TEST_CONFIG } from "./support.ts";

/**
 * The Lambda entry modules, loaded fresh as a cold start would, with the environment the construct
 * sets. (Evaluating through an entry module needs DynamoDB: test/integration/functions-e2e.test.ts.)
 */
describe("function entry points", () => {
  let dir: string;
  let written: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-entry-"));
    writeFileSync(join(dir, "vigil.config.json"), JSON.stringify(TEST_CONFIG));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  function coldStart(mode: string | undefined) {
    vi.resetModules();
    if (mode !== undefined) vi.stubEnv(ENV.mode, mode);
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, "vigil-state");
    vi.stubEnv(ENV.topicArn, "arn:aws:sns:us-east-1:111122223333:vigil-alerts");
    vi.stubEnv(ENV.actionsQueueUrl, "https://sqs.us-east-1.amazonaws.com/111122223333/vigil-actions.fifo");
    written = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
  }

  it("evaluate: refuses to start without its mode, saying which setting is missing", async () => {
    coldStart(undefined);
    vi.stubEnv(ENV.mode, undefined);
    await expect(import("../../functions/evaluate/handler.ts")).rejects.toThrow(/VIGIL_MODE is not set/);
  });

  it("evaluate: refuses to start without its table, saying which setting is missing", async () => {
    coldStart("observe");
    vi.stubEnv(ENV.tableName, undefined);
    await expect(import("../../functions/evaluate/handler.ts")).rejects.toThrow(
      /VIGIL_TABLE_NAME is not set/,
    );
  });

  it("ingest: refuses to start without the topic its hand-offs notify, saying which setting is missing", async () => {
    coldStart("enforce");
    vi.stubEnv(ENV.topicArn, undefined);
    await expect(import("../../functions/ingest/handler.ts")).rejects.toThrow(/VIGIL_TOPIC_ARN is not set/);
  });

  it("evaluate: refuses to start with a link base URL but no link secret", async () => {
    coldStart("enforce");
    vi.stubEnv(APPROVALS_ENV.baseUrl, "https://abc123defg.execute-api.eu-central-1.amazonaws.com");
    await expect(import("../../functions/evaluate/handler.ts")).rejects.toThrow(
      /VIGIL_APPROVALS_BASE_URL is set but VIGIL_LINK_SECRET_ARN is not/,
    );
  });

  it("ingest: starts with the same settings and answers an S3 test event", async () => {
    coldStart("enforce");
    const { handler } = await import("../../functions/ingest/handler.ts");
    const testEvent = { Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "vigil-trail-bucket" };
    expect(await handler(sqsBatch(sqsMessage(testEvent, "m-1")))).toEqual({ batchItemFailures: [] });
  });
});
