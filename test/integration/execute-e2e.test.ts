import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ENV } from "../../functions/common/function-config.ts";
import { MEMBER_ACCOUNT_ENV, TOPIC_ENV } from "../../functions/execute/config.ts";
import type { ExecuteResult } from "../../functions/execute/execute-handler.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
import { SqsPlaybookDispatch } from "../../shared/adapters/sqs-playbook-dispatch.ts";
import { planPlaybook } from "../../shared/domain/playbooks/catalog.ts";
import { TEST_CONFIG } from "../functions/support.ts";
import { sqsRecord } from "../support/sqs-records.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { awsClients, motoEndpoint, stubMotoEnvironment, TEST_REGION } from "./support/moto.ts";
import { seedTopic, seedUser, unique } from "./support/seed.ts";
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

  async function coldStart(mode: "observe" | "enforce", env: Record<string, string> = {}) {
    vi.resetModules();
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.stubEnv(ENV.mode, mode);
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, tableName);
    vi.stubEnv(TOPIC_ENV, topicArn);
    stubMotoEnvironment();
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
    const result = (await handler(request)) as ExecuteResult;
    expect(result.status).toBe("completed");
    expect((await userState(awsClients().iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    const store = new DynamoPlaybookRunStore({ client: dynamoClient(), tableName });
    const run = await store.getRun(result.runId!);
    expect(run).toMatchObject({ status: "completed", playbook: "deactivate-access-key" });
    expect(run?.steps.map((s) => s.status)).toEqual(expect.arrayContaining(["applied"]));
    const records: Array<[string, unknown]> = [];
    for await (const r of new DynamoLedger({ client: dynamoClient(), tableName }).read({
      subject: user.accessKeyId,
    })) {
      if (r.change.runId === result.runId) records.push([r.action, r.change.step]);
    }
    expect(records).toEqual([
      ["playbook-step", "deactivate-access-key"],
      ["playbook-step", "notify"],
    ]);
  });

  it("enforce, organization: deactivates a member account's key in that account, through its member role", async () => {
    const member = `3${String(Math.floor(Math.random() * 1e11)).padStart(11, "0")}`;
    const { Credentials } = await awsClients().sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`,
        RoleSessionName: "test-admin",
      }),
    );
    const admin = new IAMClient({
      endpoint: motoEndpoint(),
      region: TEST_REGION,
      maxAttempts: 1,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    await admin.send(
      new CreateRoleCommand({
        RoleName: "vigil-member-responder",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:root" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    const userName = unique("svc-member");
    await admin.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
    const principalArn = `arn:aws:iam::${member}:user/${userName}`;
    const credential = { kind: "access-key" as const, id: AccessKey!.AccessKeyId! };
    const handler = await coldStart("enforce", {
      [MEMBER_ACCOUNT_ENV.homeAccount]: "123456789012",
      [MEMBER_ACCOUNT_ENV.roleName]: "vigil-member-responder",
      [MEMBER_ACCOUNT_ENV.externalId]: "o-a1b2c3d4e5",
    });
    const result = (await handler({
      playbook: planPlaybook("deactivate-access-key", { credential, principalArn, at: Date.now() }),
      principalArn,
      credential,
      reason: "critical: logging-tampering from an unexpected source",
    })) as ExecuteResult;
    expect(result.status).toBe("completed");
    const { AccessKeyMetadata } = await admin.send(new ListAccessKeysCommand({ UserName: userName }));
    expect(AccessKeyMetadata?.map((k) => k.Status)).toEqual(["Inactive"]);
  });

  it("observe: refuses, and the key stays active", async () => {
    const { user, request } = await requestFor();
    const handler = await coldStart("observe");
    const result = (await handler(request)) as ExecuteResult;
    expect(result).toMatchObject({ status: "refused", steps: [] });
    expect(result.reason).toMatch(/observe mode: .* switch the Vigil construct to mode "enforce"/);
    expect((await userState(awsClients().iam, user.name)).keys).toEqual([[user.accessKeyId, "Active"]]);
  });

  it("runs what a dispatch queued on the FIFO actions queue, once per decision, in enforce mode", async () => {
    const { user, request } = await requestFor();
    const { sqs } = awsClients();
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `vigil-actions-${user.name}.fifo`,
        Attributes: { FifoQueue: "true" },
      }),
    );
    const dispatch = new SqsPlaybookDispatch(sqs, QueueUrl!);
    await dispatch.dispatch(request, "decision:one");
    await dispatch.dispatch(request, "decision:one");
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, AttributeNames: ["All"] }),
    );
    expect(received.Messages).toHaveLength(1);
    const handler = await coldStart("enforce");
    const records = (received.Messages ?? []).map((m) => sqsRecord(m.MessageId!, m.Body!, QueueUrl!));
    const broken = sqsRecord("m-broken", JSON.stringify({ request: { playbook: "x" } }), QueueUrl!);
    const after = sqsRecord("m-after", received.Messages![0]!.Body!, QueueUrl!);
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect((await userState(awsClients().iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    // A message that is not a queued request fails, and (FIFO) so does every message after it.
    expect(await handler({ Records: [broken, after] })).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-broken" }, { itemIdentifier: "m-after" }],
    });
  });

  it("refuses to act on something that is not a playbook request", async () => {
    const handler = await coldStart("enforce");
    await expect(handler({ playbook: "deactivate-access-key" })).rejects.toThrow(
      /expected a playbook request \{playbook, principalArn, credential, reason\}/,
    );
  });
});
