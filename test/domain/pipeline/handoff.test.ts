import { describe, expect, it } from "vitest";
import { drainHandoffs, type HandoffDeps, handOff } from "../../../shared/domain/pipeline/handoff.ts";
import type { PlaybookRequest } from "../../../shared/domain/playbooks/executor.ts";
import type { Handoff } from "../../../shared/ports/event-state-store.ts";
import type { PlaybookDispatch } from "../../../shared/ports/playbook-dispatch.ts";
import { configOf } from "../../support/context.ts";
import { exposureOf, ids, MemoryApprovalStore, MemoryLedger, TestClock } from "../../support/oncall.ts";
import { FakeNotifier } from "../../support/playbooks.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");

/** Records what was queued. */
class RecordingDispatch implements PlaybookDispatch {
  readonly queued: Array<{ request: PlaybookRequest; dedupeKey: string }> = [];
  async dispatch(request: PlaybookRequest, dedupeKey: string): Promise<void> {
    this.queued.push({ request, dedupeKey });
  }
}

function world(enforce: boolean) {
  const clock = new TestClock(T0);
  const ledger = new MemoryLedger();
  const notifier = new FakeNotifier();
  const dispatch = new RecordingDispatch();
  const approvals = new MemoryApprovalStore();
  const config = configOf({ approvals: { approvers: ["alice"] } });
  const deps: HandoffDeps = {
    enforce,
    ledger,
    notifier,
    dispatch,
    clock,
    approvals: { approvals, ledger, clock, newId: ids("apr"), policy: config.approvals, notifier },
  };
  return { deps, ledger, notifier, dispatch, approvals };
}

function handoffOf(decision: Handoff["exposure"]["decision"], id = `h-${decision}`): Handoff {
  return { id, exposure: exposureOf({ decision }), eventIds: ["e-1", "e-2"], at: T0 };
}

async function records(ledger: MemoryLedger) {
  const out = [];
  for await (const record of ledger.read()) out.push(record);
  return out;
}

async function actions(ledger: MemoryLedger): Promise<string[]> {
  return (await records(ledger)).map((r) => r.action);
}

describe("handOff", () => {
  it("enforce + auto: records the decision with its events and queues the playbook once per hand-off", async () => {
    const { deps, ledger, dispatch, notifier } = world(true);
    expect(await handOff(handoffOf("auto"), deps)).toBe("queued");
    expect(dispatch.queued).toHaveLength(1);
    expect(dispatch.queued[0]).toMatchObject({
      dedupeKey: "handoff:h-auto",
      request: {
        principalArn: "arn:aws:iam::111122223333:user/svc-ci",
        credential: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
        playbook: { id: "deactivate-access-key" },
      },
    });
    expect(notifier.sent).toHaveLength(0);
    const [record] = await records(ledger);
    expect(record).toMatchObject({
      action: "finding-decided",
      change: { decision: "auto", eventIds: ["e-1", "e-2"], runId: "handoff:h-auto" },
    });
  });

  it("enforce + needs-approval: opens one approval request, recorded and notified", async () => {
    const { deps, ledger, dispatch, approvals, notifier } = world(true);
    expect(await handOff(handoffOf("needs-approval"), deps)).toBe("approval-requested");
    expect(dispatch.queued).toEqual([]);
    expect(await approvals.list()).toHaveLength(1);
    expect(await actions(ledger)).toEqual(["finding-decided", "approval-requested"]);
    expect(notifier.sent[0]?.subject).toMatch(/approval needed: deactivate-access-key/);
  });

  it("observe: never queues nor opens requests, it notifies what it would have done", async () => {
    const { deps, dispatch, approvals, notifier } = world(false);
    expect(await handOff(handoffOf("auto"), deps)).toBe("notified");
    expect(await handOff(handoffOf("needs-approval"), deps)).toBe("notified");
    expect(dispatch.queued).toEqual([]);
    expect(await approvals.list()).toEqual([]);
    expect(notifier.sent.map((n) => n.message.split("\n")[0])).toEqual([
      "observe mode: vigil would run this playbook now; nothing was changed",
      "observe mode: this would ask for approval; nothing was requested",
    ]);
  });

  it("notify notifies; record-only and suppressed-by-exception are only recorded", async () => {
    const { deps, ledger, notifier } = world(true);
    expect(await handOff(handoffOf("notify"), deps)).toBe("notified");
    expect(await handOff(handoffOf("record-only"), deps)).toBe("recorded");
    expect(await handOff(handoffOf("suppressed-by-exception"), deps)).toBe("recorded");
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.subject).toBe("vigil: high exposure of access-key AKIAEXAMPLE000000001");
    expect(await actions(ledger)).toEqual(["finding-decided", "finding-decided", "finding-decided"]);
  });
});

describe("drainHandoffs", () => {
  it("completes what it did, keeps what failed pending, and goes on after a failure", async () => {
    const { deps, dispatch } = world(true);
    const pending = [handoffOf("auto", "h-1"), handoffOf("auto", "h-2"), handoffOf("notify", "h-3")];
    const completed: string[] = [];
    const store = {
      pendingHandoffs: async (limit: number) => pending.slice(0, limit),
      completeHandoff: async (h: Handoff) => {
        completed.push(h.id);
      },
    };
    let calls = 0;
    const flaky: PlaybookDispatch = {
      dispatch: async (request, key) => {
        if (calls++ === 0) throw new Error("queue unavailable");
        await dispatch.dispatch(request, key);
      },
    };
    const report = await drainHandoffs(store, { ...deps, dispatch: flaky });
    expect(report.failed.map((f) => f.id)).toEqual(["h-1"]);
    expect(report.done).toEqual([
      { id: "h-2", action: "queued" },
      { id: "h-3", action: "notified" },
    ]);
    expect(completed).toEqual(["h-2", "h-3"]);
    expect(dispatch.queued.map((q) => q.dedupeKey)).toEqual(["handoff:h-2"]);
  });
});
