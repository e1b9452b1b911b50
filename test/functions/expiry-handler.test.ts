import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { loadExpirySettings } from "../../functions/expiry/config.ts";
import { createExpiryHandler, ExpirySweepError } from "../../functions/expiry/expiry-handler.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import { type ApprovalDeps, requestApprovals } from "../../shared/domain/approvals/open.ts";
import { grantException } from "../../shared/domain/exceptions/grant.ts";
import type { SweepDeps } from "../../shared/domain/exceptions/sweep.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import type { HandoffDeps } from "../../shared/domain/pipeline/handoff.ts";
import { configOf } from "../support/context.ts";
import {
  exposureOf,
  ids,
  MemoryApprovalStore,
  MemoryExceptionStore,
  MemoryLedger,
  MemoryPlaybookDispatch,
  MemoryStoredExposures,
  TestClock,
} from "../support/oncall.ts";
import { FakeNotifier } from "../support/playbooks.ts";
import { fixture } from "./export-support.ts";
import { capturingLog, type LogLine } from "./support.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const USER = "arn:aws:iam::111122223333:user/svc-ci";
const KEY = "AKIAEXAMPLE000000001";
const tick = fixture("scheduler-invocation.json");

function world(options: { observe?: boolean } = {}) {
  const config = configOf({ exceptions: { maxHours: 8 }, approvals: { ttlMinutes: 30 } });
  const clock = new TestClock(T0);
  const ledger = new MemoryLedger();
  const approvals = new MemoryApprovalStore();
  const exceptions = new MemoryExceptionStore();
  const exposures = new MemoryStoredExposures();
  const dispatch = new MemoryPlaybookDispatch();
  const notifier = new FakeNotifier();
  const approvalDeps: ApprovalDeps = {
    approvals,
    ledger,
    clock,
    newId: ids("apr"),
    policy: config.approvals,
    notifier,
  };
  const sweepDeps: SweepDeps = options.observe
    ? { config, exceptions, exposures, ledger, clock }
    : { config, exceptions, exposures, ledger, approvals: approvalDeps, dispatch, clock };
  const state = new SqliteEventStateStore(":memory:");
  const handoffDeps: HandoffDeps = {
    enforce: !options.observe,
    ledger,
    notifier,
    dispatch,
    approvals: approvalDeps,
    clock,
  };
  const lines: LogLine[] = [];
  const handler = createExpiryHandler({
    approvals: approvalDeps,
    exceptions: sweepDeps,
    handoffs: { store: state, deps: handoffDeps },
    log: capturingLog(lines),
  });
  return {
    config,
    clock,
    ledger,
    approvals,
    exceptions,
    exposures,
    dispatch,
    notifier,
    approvalDeps,
    state,
    lines,
    handler,
  };
}

type World = ReturnType<typeof world>;

/** An approval request for the key, open for the policy's 30 minutes from now. */
async function openRequest(w: World): Promise<string> {
  const [opened] = await requestApprovals([exposureOf({ decision: "needs-approval" })], w.approvalDeps);
  return opened!.request.id;
}

/** A one-hour exception for svc-ci, and the critical exposure of its key that it suppresses. */
async function suppressingException(w: World): Promise<string> {
  const exception = await grantException(
    { scope: { kind: "principal", arn: USER }, hours: 1, reason: "incident 4711", by: "alice" },
    {
      exceptions: w.exceptions,
      ledger: w.ledger,
      clock: w.clock,
      newId: ids("exc"),
      policy: w.config.exceptions,
    },
  );
  const suppressed: Exposure = exposureOf({
    severity: "critical",
    score: 85,
    decision: "suppressed-by-exception",
    decisionReason: `suppressed by exception ${exception.id} (principal ${USER}, granted by alice: incident 4711); without it: auto`,
  });
  w.exposures.exposures.set(`access-key:${KEY}`, suppressed);
  return exception.id;
}

describe("expiry handler", () => {
  it("does the follow-ups of a lapsed approval request and an ended exception in one run, queueing the playbook", async () => {
    const w = world();
    const requestId = await openRequest(w);
    const exceptionId = await suppressingException(w);
    w.clock.advance(HOUR);

    const summary = await w.handler(tick);
    expect(summary.approvals.expired).toEqual([{ id: requestId, onExpiry: "renotify", renewedAs: "apr-2" }]);
    expect(summary.exceptions).toEqual({
      ended: [{ id: exceptionId, how: "expired", redecided: 1 }],
      dispatched: [`exception-end:${exceptionId}:access-key:${KEY}`],
      reapplied: [],
      notReapplied: [],
    });
    expect(w.dispatch.calls.map((c) => [c.dedupeKey, c.request.playbook.id])).toEqual([
      [`exception-end:${exceptionId}:access-key:${KEY}`, "deactivate-access-key"],
    ]);
    expect(w.ledger.actions()).toEqual(
      expect.arrayContaining([
        "approval-expired",
        "approval-requested",
        "exception-expired",
        "playbook-dispatched",
      ]),
    );
    expect(w.notifier.sent.at(-1)?.subject).toMatch(/approval still needed \(apr-1 expired\)/);
    expect(w.lines.at(-1)).toMatchObject({
      level: "info",
      message: "expiry sweep done",
      attributes: { trigger: '"2026-03-10T02:00:00Z"' },
    });
  });

  it("does nothing before anything is due, and each follow-up only once", async () => {
    const w = world();
    await openRequest(w);
    await suppressingException(w);
    const idle = {
      approvals: { expired: [] },
      exceptions: { ended: [], dispatched: [], reapplied: [], notReapplied: [] },
      handoffs: { done: [], failed: [] },
    };
    expect(await w.handler(tick)).toEqual(idle);
    w.clock.advance(HOUR);
    await w.handler(tick);
    const recorded = w.ledger.records.length;
    expect(await w.handler(tick)).toEqual(idle);
    expect(w.ledger.records.length).toBe(recorded);
    expect(w.dispatch.calls).toHaveLength(1);
  });

  it("runs the exceptions sweep when the approvals sweep fails, then fails the invocation naming the failure", async () => {
    const w = world();
    const exceptionId = await suppressingException(w);
    w.clock.advance(HOUR);
    w.approvals.list = async () => {
      throw new Error("DynamoDB Query failed (ProvisionedThroughputExceededException)");
    };
    const failure = w.handler(tick);
    await expect(failure).rejects.toBeInstanceOf(ExpirySweepError);
    await expect(failure).rejects.toThrow(
      /the expiry sweep failed \(approvals: DynamoDB Query failed \(ProvisionedThroughputExceededException\)\); the other parts' work is done/,
    );
    expect(w.dispatch.calls.map((c) => c.dedupeKey)).toEqual([
      `exception-end:${exceptionId}:access-key:${KEY}`,
    ]);
    expect(w.lines.map((l) => [l.level, l.message])).toEqual([
      ["error", "the approvals sweep failed"],
      ["error", "expiry sweep done with failures"],
    ]);
    expect(w.lines[1]?.attributes).toMatchObject({
      approvals: "failed",
      exceptions: { ended: [{ id: exceptionId, how: "expired", redecided: 1 }] },
    });
  });

  it("runs the approvals sweep when the exceptions sweep fails, and names both failures when both fail", async () => {
    const w = world();
    const requestId = await openRequest(w);
    w.clock.advance(HOUR);
    w.exceptions.list = async () => {
      throw new Error("exceptions unreadable");
    };
    await expect(w.handler(tick)).rejects.toThrow(/\(exceptions: exceptions unreadable\)/);
    expect((await w.approvals.get(requestId))?.status).toBe("expired");

    w.approvals.list = async () => {
      throw new Error("approvals unreadable");
    };
    await expect(w.handler(tick)).rejects.toThrow(
      /\(approvals: approvals unreadable; exceptions: exceptions unreadable\)/,
    );
  });
});

/** An auto exposure of the key whose hand-off an evaluate instance committed but never did. */
async function pendingHandoff(w: World, id = `access-key|${KEY}#e-1`): Promise<string> {
  const exposure = exposureOf({ severity: "critical", score: 90, decision: "auto" });
  const committed = await w.state.commit(
    {
      processed: [],
      baselines: [],
      findings: [],
      exposures: [{ key: `access-key|${KEY}`, exposure, expected: undefined }],
      handoffs: [{ id, exposure, eventIds: ["e-1"], at: w.clock.now() }],
    },
    w.clock.now(),
  );
  expect(committed.ok).toBe(true);
  return id;
}

describe("expiry handler: hand-offs and observe mode", () => {
  it("does a hand-off an evaluate instance left pending: records the decision, queues the playbook, completes it", async () => {
    const w = world();
    const id = await pendingHandoff(w);
    const summary = await w.handler(tick);
    expect(summary.handoffs).toEqual({ done: [{ id, action: "queued" }], failed: [] });
    expect(w.dispatch.calls.map((c) => [c.dedupeKey, c.request.playbook.id])).toEqual([
      [`handoff:${id}`, "deactivate-access-key"],
    ]);
    expect(w.ledger.actions()).toEqual(["finding-decided"]);
    expect(await w.state.pendingHandoffs(10)).toEqual([]);
    expect((await w.handler(tick)).handoffs).toEqual({ done: [], failed: [] });
    expect(w.dispatch.calls).toHaveLength(1);
  });

  it("keeps a hand-off that fails pending, does the sweeps, then fails the invocation naming it", async () => {
    const w = world();
    const requestId = await openRequest(w);
    const id = await pendingHandoff(w);
    w.clock.advance(HOUR);
    w.dispatch.dispatch = async () => {
      throw new Error("SQS SendMessage failed (KMS.DisabledException)");
    };
    const failure = w.handler(tick);
    await expect(failure).rejects.toBeInstanceOf(ExpirySweepError);
    await expect(failure).rejects.toThrow(
      /\(hand-offs: 1 hand-off\(s\) failed and stay pending \(access-key\|AKIAEXAMPLE000000001#e-1; first: SQS SendMessage failed/,
    );
    expect((await w.approvals.get(requestId))?.status).toBe("expired");
    expect((await w.state.pendingHandoffs(10)).map((h) => h.id)).toEqual([id]);
    expect(w.lines.map((l) => [l.level, l.message])).toEqual([
      ["error", "handing off a decision failed; it stays pending"],
      ["error", "the hand-offs sweep failed"],
      ["error", "expiry sweep done with failures"],
    ]);
  });

  it("in observe mode records an ended exception and its re-decision, but queues nothing and asks no approval", async () => {
    const w = world({ observe: true });
    const exceptionId = await suppressingException(w);
    const id = await pendingHandoff(w, "access-key|AKIAEXAMPLE000000001#e-2");
    w.clock.advance(HOUR);
    const summary = await w.handler(tick);
    expect(summary.exceptions).toEqual({
      ended: [{ id: exceptionId, how: "expired", redecided: 1 }],
      dispatched: [],
      reapplied: [],
      notReapplied: [],
    });
    expect(summary.handoffs.done).toEqual([{ id, action: "notified" }]);
    expect(w.dispatch.calls).toEqual([]);
    expect(await w.approvals.list()).toEqual([]);
    expect(w.ledger.actions()).toEqual(expect.arrayContaining(["exception-expired", "finding-decided"]));
    expect(w.ledger.actions()).not.toContain("playbook-dispatched");
    expect(w.notifier.sent.at(-1)?.message).toMatch(/^observe mode: vigil would run this playbook now/);
  });
});

describe("expiry settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-expiry-settings-"));
  writeFileSync(join(dir, "vigil.config.json"), "{}");
  const env = {
    VIGIL_MODE: "enforce",
    VIGIL_TABLE_NAME: "vigil-state",
    VIGIL_TOPIC_ARN: "arn:aws:sns:eu-central-1:111122223333:vigil",
    VIGIL_ACTIONS_QUEUE_URL: "https://sqs.eu-central-1.amazonaws.com/111122223333/vigil-actions.fifo",
  };

  it("reads the table, the topic and the actions queue", () => {
    expect(loadExpirySettings(env, dir)).toMatchObject({
      tableName: "vigil-state",
      topicArn: env.VIGIL_TOPIC_ARN,
      actionsQueueUrl: env.VIGIL_ACTIONS_QUEUE_URL,
    });
  });

  it("reads the approval links when both settings are there, and refuses one without the other", () => {
    const links = {
      [APPROVALS_ENV.baseUrl]: "https://abc123defg.execute-api.eu-central-1.amazonaws.com/",
      [APPROVALS_ENV.linkSecretArn]:
        "arn:aws:secretsmanager:eu-central-1:111122223333:secret:vigil/link-AbC123",
    };
    expect(loadExpirySettings(env, dir).links).toBeUndefined();
    expect(loadExpirySettings({ ...env, ...links }, dir).links).toEqual({
      baseUrl: "https://abc123defg.execute-api.eu-central-1.amazonaws.com",
      linkSecretArn: links[APPROVALS_ENV.linkSecretArn],
    });
    expect(() =>
      loadExpirySettings({ ...env, [APPROVALS_ENV.baseUrl]: links[APPROVALS_ENV.baseUrl] }, dir),
    ).toThrow(/VIGIL_APPROVALS_BASE_URL is set but VIGIL_LINK_SECRET_ARN is not; approval links need both/);
    expect(() =>
      loadExpirySettings({ ...env, [APPROVALS_ENV.linkSecretArn]: links[APPROVALS_ENV.linkSecretArn] }, dir),
    ).toThrow(/VIGIL_LINK_SECRET_ARN is set but VIGIL_APPROVALS_BASE_URL is not/);
    expect(() => loadExpirySettings({ ...env, ...links, [APPROVALS_ENV.baseUrl]: "ftp://x" }, dir)).toThrow(
      /must be an https URL/,
    );
  });

  it("refuses to start without the actions queue or the topic, saying which setting is missing", () => {
    expect(() => loadExpirySettings({ ...env, VIGIL_ACTIONS_QUEUE_URL: undefined }, dir)).toThrow(
      /VIGIL_ACTIONS_QUEUE_URL is not set/,
    );
    expect(() => loadExpirySettings({ ...env, VIGIL_TOPIC_ARN: undefined }, dir)).toThrow(
      /VIGIL_TOPIC_ARN is not set/,
    );
  });
});
