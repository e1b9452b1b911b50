import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EventBatchEvaluator } from "../../functions/common/event-batch.ts";
import { ENV } from "../../functions/common/function-config.ts";
import { SEED_RESOURCE_ID } from "../../functions/seed/seed-handler.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { normalizeRecord } from "../../shared/domain/normalize/normalize.ts";
import { fixture } from "../functions/export-support.ts";
import { configOf, fakeNetwork } from "../support/context.ts";
import { userKeyRecord } from "../support/records.ts";
import { cloudTrailStandIn } from "./support/cloudtrail-stand-in.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { stubMotoEnvironment } from "./support/moto.ts";

const KEY = "AKIAEXAMPLE000000001";
const DAY = 86_400_000;
const fifteenMinutes = { getRemainingTimeInMillis: () => 900_000 };

/**
 * The seed function end to end, as deployed: its entry module loaded fresh with the environment the
 * construct sets, LookupEvents served by a local stand-in speaking the CloudTrail protocol (reached
 * through AWS_ENDPOINT_URL_CLOUDTRAIL), the baselines written to DynamoDB in moto, then read by the
 * evaluate function's use case (EventBatchEvaluator): a network seen in the history is known, another
 * one is new.
 */
describe("seed function end to end (CloudTrail stand-in, moto)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-seed-"));
    writeFileSync(join(dir, "vigil.config.json"), JSON.stringify({ learning: { days: 1 } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  function coldStart(tableName: string, cloudTrail: string) {
    vi.resetModules();
    vi.stubEnv(ENV.mode, "observe");
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, tableName);
    stubMotoEnvironment();
    vi.stubEnv("AWS_ENDPOINT_URL_CLOUDTRAIL", cloudTrail);
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  }

  it("on Create learns the event history into DynamoDB, and the evaluation starts with it", async () => {
    const now = Date.now();
    // Three days of history, two events a day from the CI network, across two pages.
    const history = Array.from({ length: 6 }, (_, i) =>
      userKeyRecord({
        eventID: `hist-${i}`,
        eventTime: new Date(now - (Math.floor(i / 2) + 1) * DAY - i * 60_000).toISOString(),
        sourceIPAddress: "192.0.2.10",
      }),
    );
    const standIn = await cloudTrailStandIn({ records: history, pageSize: 4 });
    try {
      const tableName = await createVigilTable();
      coldStart(tableName, standIn.endpoint);
      const { handler } = await import("../../functions/seed/handler.ts");
      const result = await handler(fixture("cfn-seed-create.json"), fifteenMinutes as never);
      expect(result).toEqual({
        PhysicalResourceId: SEED_RESOURCE_ID,
        Data: { records: 6, baselines: 4, daysCovered: 7 },
      });
      expect(standIn.requests.map((r) => [r.target, r.body.NextToken])).toEqual([
        ["CloudTrail_20131101.LookupEvents", undefined],
        ["CloudTrail_20131101.LookupEvents", "4"],
      ]);
      const store = new DynamoEventStateStore({ client: dynamoClient(), tableName });
      const [subject] = await store.loadBaselines([{ namespace: "subject", key: KEY }]);
      expect(subject?.value).toEqual({ firstSeen: Date.parse(String(history[5]!.eventTime)) });

      // What the evaluate function does with a batch, on the same table: a network of the history is known.
      const evaluator = new EventBatchEvaluator({
        config: configOf({ learning: { days: 1 } }),
        network: fakeNetwork(),
        clock: { now: () => now },
        store,
      });
      const live = (id: string, ip: string) => {
        const normalized = normalizeRecord(
          userKeyRecord({ eventID: id, eventTime: new Date(now).toISOString(), sourceIPAddress: ip }),
        );
        if (normalized.kind !== "use") throw new Error(`not a use: ${id}`);
        return normalized.use;
      };
      await evaluator.evaluate([live("known-net", "192.0.2.77"), live("new-net", "198.51.100.9")]);
      const findings = await store.findingsOf(`access-key|${KEY}`, 10);
      expect(findings.map((f) => [f.finding.eventId, f.finding.signals])).toEqual([
        ["new-net", ["new-source"]],
      ]);
    } finally {
      await standIn.close();
    }
  });

  it("fails the deployment with a clear message when LookupEvents is denied", async () => {
    const standIn = await cloudTrailStandIn({ records: [], deny: true });
    try {
      coldStart(await createVigilTable(), standIn.endpoint);
      const { handler } = await import("../../functions/seed/handler.ts");
      await expect(handler(fixture("cfn-seed-create.json"), fifteenMinutes as never)).rejects.toThrow(
        /seeding baselines from CloudTrail event history failed: CloudTrail LookupEvents failed on page 1: AccessDeniedException: .*not authorized to perform: cloudtrail:LookupEvents.*The seed function's role needs cloudtrail:LookupEvents/,
      );
    } finally {
      await standIn.close();
    }
  });
});
