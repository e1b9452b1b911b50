import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ENV } from "../../functions/common/function-config.ts";
import { TOPIC_ENV } from "../../functions/execute/config.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
import { planPlaybook } from "../../shared/domain/playbooks/catalog.ts";
import { TEST_CONFIG } from "../functions/support.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { awsClients, motoEndpoint, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";
import { seedTopic, seedUser } from "./support/seed.ts";
import { userState } from "./support/state.ts";

/**
 * The execute function's entry module end to end: a playbook request → the executor with the real
 * AWS gateways → IAM state in moto, and the run persisted in DynamoDB (moto).
 */
describe("execute function end to end (moto)", () => {
  let dir: string;
  let tableName: string;
  let topicArn: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-execute-"));
    writeFileSync(join(dir, "vigil.config.json"), JSON.stringify(TEST_CONFIG));
    tableName = await createVigilTable();
    topicArn = await seedTopic(awsClients().sns);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  async function coldStart(mode: "observe" | "enforce") {
    vi.resetModules();
    vi.stubEnv(ENV.mode, mode);
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, tableName);
    vi.stubEnv(TOPIC_ENV, topicArn);
    vi.stubEnv("AWS_ENDPOINT_URL", motoEndpoint());
    vi.stubEnv("AWS_REGION", TEST_REGION);
    vi.stubEnv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", TEST_CREDENTIALS.sessionToken);
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    return (await import("../../functions/execute/handler.ts")).handler;
  }

  async function requestFor() {
    const user = await seedUser(awsClients().iam);
    const credential = { kind: "access-key" as const, id: user.accessKeyId };
    return {
      user,
      request: {
        playbook: planPlaybook("deactivate-access-key", {
          credential,
          principalArn: user.arn,
          at: Date.now(),
        }),
        principalArn: user.arn,
        credential,
        reason: "critical: logging-tampering from an unexpected source",
      },
    };
  }

  it("enforce: deactivates the key in IAM and keeps the run in DynamoDB", async () => {
    const { user, request } = await requestFor();
    const handler = await coldStart("enforce");
    const result = await handler(request);
    expect(result.status).toBe("completed");
    expect((await userState(awsClients().iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    const store = new DynamoPlaybookRunStore({ client: dynamoClient(), tableName });
    const run = await store.getRun(result.runId!);
    expect(run).toMatchObject({ status: "completed", playbook: "deactivate-access-key" });
    expect(run?.steps.map((s) => s.status)).toEqual(expect.arrayContaining(["applied"]));
  });

  it("observe: refuses, and the key stays active", async () => {
    const { user, request } = await requestFor();
    const handler = await coldStart("observe");
    const result = await handler(request);
    expect(result).toMatchObject({ status: "refused", steps: [] });
    expect(result.reason).toMatch(/observe mode: .* switch the Vigil construct to mode "enforce"/);
    expect((await userState(awsClients().iam, user.name)).keys).toEqual([[user.accessKeyId, "Active"]]);
  });

  it("refuses to act on something that is not a playbook request", async () => {
    const handler = await coldStart("enforce");
    await expect(handler({ playbook: "deactivate-access-key" })).rejects.toThrow(
      /expected a playbook request \{playbook, principalArn, credential, reason\}/,
    );
  });
});
