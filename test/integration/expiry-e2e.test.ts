import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ENV } from "../../functions/common/function-config.ts";
import { asnPackage } from "../../infra/amazon-ranges.ts";
import { DynamoApprovalStore } from "../../shared/adapters/dynamodb-approvals.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoExceptionStore } from "../../shared/adapters/dynamodb-exceptions.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { requestApprovals } from "../../shared/domain/approvals/open.ts";
import { grantException } from "../../shared/domain/exceptions/grant.ts";
import { fixture } from "../functions/export-support.ts";
import { configOf } from "../support/context.ts";
import { exposureOf, ids, TestClock } from "../support/oncall.ts";
import { FakeNotifier } from "../support/playbooks.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { motoEndpoint, stubMotoEnvironment, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";
import { unique } from "./support/seed.ts";

const USER = "arn:aws:iam::111122223333:user/svc-ci";
const KEY = "AKIAEXAMPLE000000001";
const HOUR = 3_600_000;
const CONFIG = { approvals: { ttlMinutes: 30 }, exceptions: { maxHours: 8 } };
/** Another key, whose auto decision an evaluate instance committed but never handed off. */
const OTHER = { kind: "access-key" as const, id: "AKIAEXAMPLE000000002" };
const HANDOFF = `access-key|${OTHER.id}#e-1`;

/**
 * The expiry function end to end, as deployed: its entry module loaded fresh with the environment the
 * construct sets; approval requests, exceptions, exposures and the ledger in DynamoDB, the topic in
 * SNS and the actions queue (FIFO) in SQS, all in moto. The state is written two hours in the past,
 * so that the function's own clock finds the request lapsed and the exception ended.
 */
describe("expiry function end to end (moto)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-expiry-"));
    writeFileSync(join(dir, "vigil.config.json"), JSON.stringify(CONFIG));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  /**
   * A deployment whose request lapsed and whose exception ended an hour ago (the exception
   * suppressed the key's exposure), optionally with a hand-off an evaluate instance left pending;
   * then the expiry function's cold start in `mode`.
   */
  async function lapsed(mode: "observe" | "enforce", options: { pendingHandoff?: boolean } = {}) {
    const config = { endpoint: motoEndpoint(), region: TEST_REGION, credentials: TEST_CREDENTIALS };
    const sqs = new SQSClient(config);
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${unique("vigil-actions")}.fifo`,
        Attributes: { FifoQueue: "true" },
      }),
    );
    const { TopicArn } = await new SNSClient(config).send(new CreateTopicCommand({ Name: unique("vigil") }));
    const tableName = await createVigilTable();
    const table = { client: dynamoClient(), tableName };
    const ledger = new DynamoLedger(table);
    const approvals = new DynamoApprovalStore(table);
    const exceptions = new DynamoExceptionStore(table);
    const compiled = configOf(CONFIG);
    const past = new TestClock(Date.now() - 2 * HOUR);

    const [opened] = await requestApprovals([exposureOf({ decision: "needs-approval" })], {
      approvals,
      ledger,
      clock: past,
      newId: ids(unique("apr")),
      policy: compiled.approvals,
      notifier: new FakeNotifier(),
    });
    const exception = await grantException(
      { scope: { kind: "principal", arn: USER }, hours: 1, reason: "incident 4711", by: "alice" },
      { exceptions, ledger, clock: past, newId: ids(unique("exc")), policy: compiled.exceptions },
    );
    const suppressed = exposureOf({
      severity: "critical",
      score: 85,
      decision: "suppressed-by-exception",
      decisionReason: `suppressed by exception ${exception.id} (principal ${USER}, granted by alice: incident 4711); without it: auto`,
    });
    const auto = exposureOf({ severity: "critical", score: 90, decision: "auto", credential: OTHER });
    const state = new DynamoEventStateStore(table);
    const committed = await state.commit(
      {
        processed: [],
        baselines: [],
        findings: [],
        exposures: [
          { key: `access-key|${KEY}`, exposure: suppressed, expected: undefined },
          ...(options.pendingHandoff
            ? [{ key: `access-key|${OTHER.id}`, exposure: auto, expected: undefined }]
            : []),
        ],
        ...(options.pendingHandoff
          ? { handoffs: [{ id: HANDOFF, exposure: auto, eventIds: ["e-1"], at: past.now() }] }
          : {}),
      },
      past.now(),
    );
    expect(committed.ok).toBe(true);

    vi.resetModules();
    vi.stubEnv(ENV.mode, mode);
    vi.stubEnv(ENV.configFile, join(dir, "vigil.config.json"));
    vi.stubEnv(ENV.rangesDir, asnPackage().dir);
    vi.stubEnv(ENV.tableName, tableName);
    vi.stubEnv(ENV.topicArn, TopicArn!);
    vi.stubEnv(ENV.actionsQueueUrl, QueueUrl!);
    stubMotoEnvironment();
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const { handler } = await import("../../functions/expiry/handler.ts");
    return {
      handler,
      sqs,
      QueueUrl: QueueUrl!,
      ledger,
      approvals,
      exceptions,
      state,
      opened: opened!,
      exception,
    };
  }

  it("expires the lapsed request, ends the exception and queues the re-decided playbook on the actions queue", async () => {
    const { handler, sqs, QueueUrl, ledger, approvals, exceptions, opened, exception } =
      await lapsed("enforce");
    const summary = await handler(fixture("scheduler-invocation.json"));
    expect(summary.approvals.expired.map((e) => e.id)).toEqual([opened!.request.id]);
    const dedupeKey = `exception-end:${exception.id}:access-key:${KEY}`;
    expect(summary.exceptions).toMatchObject({
      ended: [{ id: exception.id, how: "expired" }],
      dispatched: [dedupeKey],
    });

    expect((await approvals.get(opened!.request.id))?.status).toBe("expired");
    expect((await exceptions.get(exception.id))?.endProcessedAt).toBeTypeOf("number");
    const actions: string[] = [];
    for await (const record of ledger.read()) actions.push(record.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "approval-expired",
        "exception-expired",
        "finding-decided",
        "playbook-dispatched",
      ]),
    );
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(
      Messages?.map(
        (m) => JSON.parse(m.Body!) as { dedupeKey: string; request: { playbook: { id: string } } },
      ),
    ).toEqual([
      expect.objectContaining({
        dedupeKey,
        request: expect.objectContaining({
          playbook: expect.objectContaining({ id: "deactivate-access-key" }),
        }),
      }),
    ]);

    expect(await handler({})).toEqual({
      approvals: { expired: [] },
      exceptions: { ended: [], dispatched: [], reapplied: [], notReapplied: [] },
      handoffs: { done: [], failed: [] },
    });
  });

  it("observe: records the ended exception, its re-decision and the pending hand-off, queueing nothing", async () => {
    const { handler, sqs, QueueUrl, ledger, state, exception } = await lapsed("observe", {
      pendingHandoff: true,
    });
    const summary = await handler(fixture("scheduler-invocation.json"));
    expect(summary.exceptions).toEqual({
      ended: [{ id: exception.id, how: "expired", redecided: 1 }],
      dispatched: [],
      reapplied: [],
      notReapplied: [],
    });
    expect(summary.handoffs).toEqual({ done: [{ id: HANDOFF, action: "notified" }], failed: [] });
    expect(await state.pendingHandoffs(10)).toEqual([]);
    const actions: string[] = [];
    for await (const record of ledger.read()) actions.push(record.action);
    expect(actions).toEqual(expect.arrayContaining(["exception-expired", "finding-decided"]));
    expect(actions).not.toContain("playbook-dispatched");
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages ?? []).toEqual([]);
  });

  it("enforce: queues the playbook of a hand-off an evaluate instance left pending", async () => {
    const { handler, sqs, QueueUrl, state, exception } = await lapsed("enforce", { pendingHandoff: true });
    const summary = await handler(fixture("scheduler-invocation.json"));
    expect(summary.handoffs).toEqual({ done: [{ id: HANDOFF, action: "queued" }], failed: [] });
    expect(await state.pendingHandoffs(10)).toEqual([]);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(
      (Messages ?? []).map((m) => (JSON.parse(m.Body!) as { dedupeKey: string }).dedupeKey).sort(),
    ).toEqual([`exception-end:${exception.id}:access-key:${KEY}`, `handoff:${HANDOFF}`].sort());
  });
});
