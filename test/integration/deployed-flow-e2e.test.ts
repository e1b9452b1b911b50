import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { HttpApiResult } from "../../functions/approvals/http.ts";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { ENV, type Mode } from "../../functions/common/function-config.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoApprovalStore } from "../../shared/adapters/dynamodb-approvals.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import { verifyChain } from "../../shared/domain/ledger/chain.ts";
import type { LedgerRecord } from "../../shared/domain/ledger/record.ts";
import { BASE, linkEvent } from "../functions/approvals-support.ts";
import { eventBridgeEvent, sqsBatch, sqsMessage } from "../functions/support.ts";
import { sqsRecord } from "../support/sqs-records.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { awsClients, stubMotoEnvironment } from "./support/moto.ts";
import { seedTopic, seedUser, unique } from "./support/seed.ts";
import { userState } from "./support/state.ts";

type Handler = (event: unknown) => Promise<unknown>;

/**
 * The deployed functions wired together, end to end, as the Vigil construct deploys them: their
 * entry modules loaded fresh (cold starts) with the environment the construct sets, every SDK client
 * on moto (DynamoDB, SQS, SNS, IAM, Secrets Manager). A CloudTrail event arrives the way EventBridge
 * puts it on the events queue; what the evaluate function decides is handed off to the actions queue
 * or the approvers; the execute function contains the key in IAM; the approvals function takes a
 * decision from a signed link; and the ledger holds one verifiable chain of all of it.
 */
describe("deployed flow end to end (moto)", () => {
  let dir: string;
  let secretArn: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-flow-"));
    const secret = await awsClients().secrets.send(
      new CreateSecretCommand({
        Name: unique("vigil-link"),
        SecretString: randomBytes(48).toString("base64"),
      }),
    );
    secretArn = secret.ARN!;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  /**
   * A fresh deployment: a table, a topic (with a queue subscribed, to read what was published), a
   * FIFO actions queue, and an IAM user with an active key that `config` declares (svc-ci's profile).
   */
  async function deployment(policy: ConfigInput["policy"]) {
    const { iam, sns, sqs } = awsClients();
    const user = await seedUser(iam);
    const config: ConfigInput = {
      profiles: [
        {
          id: "ci-deployer",
          match: { users: [user.arn], accessKeys: [user.accessKeyId] },
          sources: ["203.0.113.0/24"],
          criticality: "high",
          playbook: "deactivate-access-key",
        },
      ],
      ...(policy === undefined ? {} : { policy }),
      approvals: { approvers: ["alice", "bob"], ttlMinutes: 30 },
    };
    const configFile = join(dir, `${unique("config")}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const tableName = await createVigilTable();
    const topicArn = await seedTopic(sns);
    const inbox = (await sqs.send(new CreateQueueCommand({ QueueName: unique("vigil-inbox") }))).QueueUrl!;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ["QueueArn"] }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: Attributes!.QueueArn! }),
    );
    const actions = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${unique("vigil-actions")}.fifo`,
          Attributes: { FifoQueue: "true" },
        }),
      )
    ).QueueUrl!;
    const table = { client: dynamoClient(), tableName };
    return {
      user,
      configFile,
      tableName,
      topicArn,
      actions,
      state: new DynamoEventStateStore(table),
      ledger: new DynamoLedger(table),
      approvals: new DynamoApprovalStore(table),
      /** The records, in chain order. */
      async records(): Promise<LedgerRecord[]> {
        const out: LedgerRecord[] = [];
        for await (const record of this.ledger.read()) out.push(record);
        return out;
      },
      /** The messages on the actions queue now. */
      async queued(): Promise<Message[]> {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: actions, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        return Messages ?? [];
      },
      /** What was published on the topic so far (SNS delivers to the subscribed queue). */
      async published(): Promise<Array<{ Subject?: string; Message: string }>> {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        return (Messages ?? []).map((m) => JSON.parse(m.Body!) as { Subject?: string; Message: string });
      },
    };
  }
  type Deployment = Awaited<ReturnType<typeof deployment>>;

  /** Loads a function's entry module as a cold start, with the environment the construct sets. */
  async function coldStart(
    fn: "evaluate" | "execute" | "approvals",
    mode: Mode,
    d: Deployment,
  ): Promise<{ handler: Handler; logs: () => Array<Record<string, unknown>> }> {
    vi.resetModules();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.stubEnv(ENV.mode, mode);
    vi.stubEnv(ENV.configFile, d.configFile);
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, d.tableName);
    vi.stubEnv(ENV.topicArn, d.topicArn);
    vi.stubEnv(ENV.actionsQueueUrl, d.actions);
    vi.stubEnv(APPROVALS_ENV.baseUrl, BASE);
    vi.stubEnv(APPROVALS_ENV.linkSecretArn, secretArn);
    stubMotoEnvironment();
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const module =
      fn === "evaluate"
        ? await import("../../functions/evaluate/handler.ts")
        : fn === "execute"
          ? await import("../../functions/execute/handler.ts")
          : await import("../../functions/approvals/handler.ts");
    const logs = () =>
      written
        .join("")
        .trim()
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { handler: module.handler as Handler, logs };
  }

  /** The EventBridge event of the user's key stopping the trail from an address its profile does not list. */
  function stopLogging(d: Deployment, eventID: string) {
    const [, , , , account] = d.user.arn.split(":");
    const event = eventBridgeEvent({
      eventID,
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAEXAMPLEUSER00001",
        arn: d.user.arn,
        accountId: account,
        accessKeyId: d.user.accessKeyId,
        userName: d.user.name,
      },
      recipientAccountId: account,
    });
    return { ...event, account };
  }

  const keyOf = (d: Deployment) => `access-key|${d.user.accessKeyId}`;

  it("auto, enforce: evaluate queues the playbook, execute deactivates the key, and the ledger holds the chain", async () => {
    const d = await deployment({ auto: "high", approval: "medium", notify: "low" });
    const eventId = "0a7c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4";

    const evaluate = await coldStart("evaluate", "enforce", d);
    expect(await evaluate.handler(sqsBatch(sqsMessage(stopLogging(d, eventId), "m-1")))).toEqual({
      batchItemFailures: [],
    });
    const [exposure] = await d.state.loadExposures([keyOf(d)]);
    expect(exposure?.exposure).toMatchObject({ decision: "auto", principal: d.user.arn });
    const handoffId = `${keyOf(d)}#${eventId}`;
    expect(evaluate.logs()).toContainEqual(
      expect.objectContaining({
        message: "decision handed off",
        id: expect.stringContaining(eventId),
        action: "queued",
      }),
    );
    expect(await d.state.pendingHandoffs(10)).toEqual([]);
    const decided = await d.records();
    expect(decided.map((r) => r.action)).toEqual(["finding-decided"]);
    expect(decided[0]?.change).toMatchObject({ runId: `handoff:${handoffId}`, decision: "auto" });

    const queued = await d.queued();
    expect(queued).toHaveLength(1);
    expect(JSON.parse(queued[0]!.Body!)).toMatchObject({
      dedupeKey: `handoff:${handoffId}`,
      request: { principalArn: d.user.arn, playbook: { id: "deactivate-access-key" } },
    });

    const execute = await coldStart("execute", "enforce", d);
    expect(
      await execute.handler({ Records: [sqsRecord(queued[0]!.MessageId!, queued[0]!.Body!, d.actions)] }),
    ).toEqual({ batchItemFailures: [] });
    expect((await userState(awsClients().iam, d.user.name)).keys).toEqual([[d.user.accessKeyId, "Inactive"]]);

    const records = await d.records();
    expect(records.map((r) => [r.action, r.change.step ?? null, r.change.status ?? null])).toEqual([
      ["finding-decided", null, null],
      ["playbook-step", "deactivate-access-key", "applied"],
      ["playbook-step", "notify", "applied"],
    ]);
    expect(records.every((r) => r.subject.id === d.user.accessKeyId)).toBe(true);
    expect(await verifyChain(() => d.ledger.stored())).toMatchObject({ intact: true, count: 3 });
  });

  it("needs-approval, enforce: the request is opened and announced with signed links; a deny link closes it and nothing is queued", async () => {
    // Stopping the trail from an undeclared network is critical (auto by default): approval only here.
    const d = await deployment({ auto: "never", approval: "high", notify: "medium" });
    const evaluate = await coldStart("evaluate", "enforce", d);
    expect(
      await evaluate.handler(
        sqsBatch(sqsMessage(stopLogging(d, "1b8d2e3f-4051-4c6d-9e7f-8091a2b3c4d5"), "m-1")),
      ),
    ).toEqual({ batchItemFailures: [] });

    const [request] = await d.approvals.list();
    expect(request).toMatchObject({
      status: "pending",
      approvers: ["alice", "bob"],
      playbook: { id: "deactivate-access-key" },
    });
    expect((await d.records()).map((r) => r.action)).toEqual(["finding-decided", "approval-requested"]);
    const [notice] = await d.published();
    expect(notice?.Subject).toBe(`vigil: approval needed: deactivate-access-key for ${d.user.accessKeyId}`);
    expect(notice?.Message).toContain(`vigil approvals deny ${request!.id}`);
    const denyLink = new RegExp(`^ {2}alice · deny: ${BASE}/links/(\\S+)$`, "m").exec(notice!.Message);
    expect(denyLink).not.toBeNull();
    expect(notice!.Message).toMatch(new RegExp(`^ {2}bob · approve: ${BASE}/links/\\S+$`, "m"));

    const approvals = await coldStart("approvals", "enforce", d);
    const result = (await approvals.handler(
      linkEvent({ method: "POST", token: denyLink![1]! }),
    )) as HttpApiResult;
    expect(result.statusCode).toBe(200);
    expect(await d.approvals.get(request!.id)).toMatchObject({
      status: "denied",
      decision: { by: "alice", verdict: "denied" },
    });
    expect((await d.records()).map((r) => r.action)).toEqual([
      "finding-decided",
      "approval-requested",
      "approval-decided",
    ]);
    expect(await d.queued()).toEqual([]);
    expect((await userState(awsClients().iam, d.user.name)).keys).toEqual([[d.user.accessKeyId, "Active"]]);
    expect(await verifyChain(() => d.ledger.stored())).toMatchObject({ intact: true, count: 3 });
  });

  it("auto, observe: the decision is recorded and notified, nothing is queued and the key stays active", async () => {
    const d = await deployment({ auto: "high", approval: "medium", notify: "low" });
    const evaluate = await coldStart("evaluate", "observe", d);
    expect(
      await evaluate.handler(
        sqsBatch(sqsMessage(stopLogging(d, "2c9e3f40-5162-4d7e-8f90-91a2b3c4d5e6"), "m-1")),
      ),
    ).toEqual({ batchItemFailures: [] });

    const records = await d.records();
    expect(records.map((r) => [r.action, r.change.decision])).toEqual([["finding-decided", "auto"]]);
    const published = await d.published();
    expect(published).toHaveLength(1);
    expect(published[0]?.Message).toMatch(
      /^observe mode: vigil would run this playbook now; nothing was changed/,
    );
    expect(await d.queued()).toEqual([]);
    expect(await d.approvals.list()).toEqual([]);
    expect((await userState(awsClients().iam, d.user.name)).keys).toEqual([[d.user.accessKeyId, "Active"]]);
  });
});
