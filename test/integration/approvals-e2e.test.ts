import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { HttpApiResult } from "../../functions/approvals/http.ts";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { ENV } from "../../functions/common/function-config.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoApprovalStore } from "../../shared/adapters/dynamodb-approvals.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { compileConfig } from "../../shared/domain/config/compile.ts";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import { PLAYBOOK_IDS } from "../../shared/domain/playbooks/catalog.ts";
import { type LinkAction, signApprovalLink } from "../../shared/domain/signed-links/approval-link.ts";
import { BASE, iamEvent, linkEvent } from "../functions/approvals-support.ts";
import { TEST_CONFIG } from "../functions/support.ts";
import { exposureOf } from "../support/oncall.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { awsClients, stubMotoEnvironment } from "./support/moto.ts";
import { seedTopic } from "./support/seed.ts";

const CONFIG: ConfigInput = {
  ...TEST_CONFIG,
  approvals: {
    approvers: ["alice", "bob"],
    playbooks: { "deactivate-access-key": { approvers: ["alice", "arn:aws:iam::*:role/oncall-*"] } },
    ttlMinutes: 30,
  },
};

/**
 * The approvals function's entry module end to end: an HTTP API v2 event → the handler wired with the
 * real DynamoDB, SQS, SNS and Secrets Manager adapters → requests, records and used links in DynamoDB
 * and the approved playbook on the FIFO actions queue (all in moto).
 */
describe("approvals function end to end (moto)", () => {
  let dir: string;
  let tableName: string;
  let topicArn: string;
  let queueUrl: string;
  let secretArn: string;
  const secretValue = randomBytes(48).toString("base64");
  const store = () => new DynamoApprovalStore({ client: dynamoClient(), tableName });
  const policy = compileConfig(CONFIG, "test", PLAYBOOK_IDS).approvals;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-approvals-"));
    writeFileSync(join(dir, "vigil.config.json"), JSON.stringify(CONFIG));
    tableName = await createVigilTable();
    const clients = awsClients();
    topicArn = await seedTopic(clients.sns);
    const queue = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `vigil-actions-${tableName}.fifo`,
        Attributes: { FifoQueue: "true" },
      }),
    );
    queueUrl = queue.QueueUrl!;
    const secret = await clients.secrets.send(
      new CreateSecretCommand({ Name: `vigil-link-${tableName}`, SecretString: secretValue }),
    );
    secretArn = secret.ARN!;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  async function coldStart(linkSecretArn = secretArn) {
    vi.resetModules();
    vi.stubEnv(ENV.mode, "enforce");
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, tableName);
    vi.stubEnv(ENV.topicArn, topicArn);
    vi.stubEnv(ENV.actionsQueueUrl, queueUrl);
    vi.stubEnv(APPROVALS_ENV.baseUrl, BASE);
    vi.stubEnv(APPROVALS_ENV.linkSecretArn, linkSecretArn);
    stubMotoEnvironment();
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const { handler } = await import("../../functions/approvals/handler.ts");
    return (event: unknown) => handler(event) as Promise<HttpApiResult>;
  }

  /** Opens a request for a new access key (playbook deactivate-access-key), now, in DynamoDB. */
  async function openRequest(id: string): Promise<void> {
    const now = Date.now();
    const key = `AKIAE2E${id
      .replace(/[^A-Z0-9]/gi, "")
      .toUpperCase()
      .padEnd(13, "0")
      .slice(0, 13)}`;
    const exposure = exposureOf(
      { decision: "needs-approval", credential: { kind: "access-key", id: key } },
      now,
    );
    await store().open(newApprovalRequest(exposure, policy, now, id), now);
  }

  const link = (approver: string, action: LinkAction, id: string) =>
    signApprovalLink(
      { requestId: id, action, approver, issuedAt: Date.now(), expiresAt: Date.now() + 10 * 60_000 },
      Buffer.from(secretValue, "utf8"),
    );

  async function recordsOf(id: string) {
    const out: Array<[string, string]> = [];
    for await (const r of new DynamoLedger({ client: dynamoClient(), tableName }).read()) {
      if (JSON.stringify(r.change).includes(id)) out.push([r.action, r.actor.id]);
    }
    return out;
  }

  it("denies through a link: the request is denied in DynamoDB and the vote recorded; the link works once", async () => {
    const id = `apr-deny-${Date.now()}`;
    await openRequest(id);
    const handler = await coldStart();
    const token = link("alice", "deny", id);
    const page = await handler(linkEvent({ method: "GET", token }));
    expect(page.statusCode).toBe(200);
    const result = await handler(linkEvent({ method: "POST", token }));
    expect(result.statusCode).toBe(200);
    expect(await store().get(id)).toMatchObject({
      status: "denied",
      decision: { by: "alice", reason: "expected: DR drill" },
    });
    expect(await recordsOf(id)).toEqual([["approval-decided", "alice"]]);
    const again = await handler(linkEvent({ method: "POST", token }));
    expect(again.statusCode).toBe(409);
  });

  it("approves through the IAM route: the playbook goes on the actions queue once, and nothing runs here", async () => {
    const id = `apr-approve-${Date.now()}`;
    await openRequest(id);
    const handler = await coldStart();
    const result = await handler(
      iamEvent({
        method: "POST",
        path: `/api/approvals/${id}/approve`,
        body: JSON.stringify({ reason: "owner confirmed the key leaked" }),
        caller: "arn:aws:sts::111122223333:assumed-role/oncall-eu/alice",
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ outcome: "approved", dispatched: true });
    const received = await awsClients().sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const bodies = (received.Messages ?? []).map((m) => JSON.parse(m.Body!) as { dedupeKey: string });
    expect(bodies.map((b) => b.dedupeKey)).toEqual([`approval:${id}`]);
    expect(await recordsOf(id)).toEqual([
      ["approval-decided", "arn:aws:sts::111122223333:assumed-role/oncall-eu/alice"],
      ["playbook-dispatched", "vigil"],
    ]);
  });

  it("refuses to start when the link secret is too short, without showing its value", async () => {
    const short = await awsClients().secrets.send(
      new CreateSecretCommand({ Name: `vigil-short-${tableName}`, SecretString: "hunter2-short" }),
    );
    const start = coldStart(short.ARN!);
    // A fresh module graph per cold start: compare the error's name, not its class.
    await expect(start).rejects.toMatchObject({ name: "StartupError" });
    await expect(start).rejects.toThrow(/holds 13 bytes; approval links need at least 32 random bytes/);
    await expect(start).rejects.not.toThrow(/hunter2/);
  });
});
