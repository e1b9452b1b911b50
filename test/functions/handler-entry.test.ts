import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
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

  it("ingest: starts with the same settings and answers an S3 test event", async () => {
    coldStart("enforce");
    const { handler } = await import("../../functions/ingest/handler.ts");
    const testEvent = { Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "vigil-trail-bucket" };
    expect(await handler(sqsBatch(sqsMessage(testEvent, "m-1")))).toEqual({ batchItemFailures: [] });
  });
});
