import { describe, expect, it } from "vitest";
import type { ApprovalDeps } from "../../shared/domain/approvals/open.ts";
import type { HandoffDeps } from "../../shared/domain/pipeline/handoff.ts";
import { configOf } from "../support/context.ts";
import {
  ids,
  MemoryApprovalStore,
  MemoryLedger,
  MemoryPlaybookDispatch,
  TestClock,
} from "../support/oncall.ts";
import { FakeNotifier } from "../support/playbooks.ts";
import { eventBridgeEvent, TEST_CONFIG, testIntake } from "./support.ts";

const T0 = Date.parse("2026-03-04T00:00:00Z");
const origin = (index: number) => ({ file: "sqs:m", line: 0, index });

/** The hand-off ports in memory; `enforce` as the mode. */
function handoffPorts(enforce: boolean) {
  const config = configOf(TEST_CONFIG);
  const clock = new TestClock(T0);
  const ledger = new MemoryLedger();
  const notifier = new FakeNotifier();
  const dispatch = new MemoryPlaybookDispatch();
  const approvals: ApprovalDeps = {
    approvals: new MemoryApprovalStore(),
    ledger,
    clock,
    newId: ids("apr"),
    policy: config.approvals,
    notifier,
  };
  const deps: HandoffDeps = { enforce, ledger, notifier, dispatch, approvals, clock };
  return { deps, ledger, notifier, dispatch };
}

describe("RecordIntake with hand-offs", () => {
  it("hands off the decision a batch changed right after its commit, and reports it", async () => {
    const ports = handoffPorts(true);
    // With auto off, even a critical exposure asks for an approval.
    const config = { ...TEST_CONFIG, policy: { auto: "never" as const } };
    const { intake, store } = testIntake({ mode: "enforce", handoffs: ports.deps, config });
    const result = await intake.takeAll([{ value: eventBridgeEvent(), origin: origin(0) }]);
    expect(result.outcomes).toEqual(["finding"]);
    expect(result.handedOff).toEqual({ done: 1, failed: 0 });
    // svc-ci's key stopping the trail from an unexpected address: critical, and an approval is asked for.
    expect(ports.ledger.actions()).toEqual(["finding-decided", "approval-requested"]);
    expect(ports.notifier.sent.map((n) => n.subject)).toEqual([
      "vigil: approval needed: deactivate-access-key for AKIAIOSFODNN7CIKEY01",
    ]);
    expect(ports.dispatch.calls).toEqual([]);
    expect(await store.pendingHandoffs(10)).toEqual([]);
  });

  it("keeps a hand-off that fails pending for the next drain, without failing the committed batch", async () => {
    const ports = handoffPorts(true);
    ports.ledger.append = async () => {
      throw new Error("ledger unavailable");
    };
    const { intake, store, lines } = testIntake({ mode: "enforce", handoffs: ports.deps });
    const result = await intake.takeAll([{ value: eventBridgeEvent(), origin: origin(0) }]);
    expect(result.outcomes).toEqual(["finding"]);
    expect(result.handedOff).toEqual({ done: 0, failed: 1 });
    expect(await store.pendingHandoffs(10)).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "handing off a decision failed; it stays pending" }),
    );
  });

  it("hands off nothing when the batch changed no decision", async () => {
    const ports = handoffPorts(true);
    const { intake } = testIntake({ mode: "enforce", handoffs: ports.deps });
    await intake.takeAll([{ value: eventBridgeEvent(), origin: origin(0) }]);
    const recorded = ports.ledger.actions();
    const again = await intake.takeAll([{ value: eventBridgeEvent(), origin: origin(0) }]);
    expect(again.outcomes).toEqual(["duplicate"]);
    expect(again.handedOff).toBeUndefined();
    expect(ports.ledger.actions()).toEqual(recorded);
  });
});
