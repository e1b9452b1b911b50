import { describe, expect, it } from "vitest";
import { EventBatchEvaluator, StateConflictError } from "../../functions/common/event-batch.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import { SqliteExceptionStore } from "../../shared/adapters/sqlite-exceptions.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { grantException } from "../../shared/domain/exceptions/grant.ts";
import { Evaluator } from "../../shared/domain/pipeline/evaluator.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import type { ExceptionStore } from "../../shared/ports/exception-store.ts";
import { configOf, fakeNetwork } from "../support/context.ts";
import { useOf, userKeyRecord } from "../support/records.ts";
import { demoConfig, demoUses } from "./demo-trail.ts";

const clock = { now: () => Date.parse("2026-03-10T00:00:00Z") };
const KEY = "AKIAEXAMPLE000000001";
const config = configOf({
  profiles: [{ id: "ci", match: { accessKeys: [KEY] }, sources: ["203.0.113.0/24"] }],
});

function batchOf(store: EventStateStore, options: { maxAttempts?: number } = {}) {
  return new EventBatchEvaluator({ config, network: fakeNetwork(), clock, store, ...options });
}

/** A call of the declared key from `ip` at `time`; `id` names the event. */
function call(id: string, ip: string, time = "2026-03-03T10:15:00Z") {
  return useOf(userKeyRecord({ eventID: id, sourceIPAddress: ip, eventTime: time }));
}

/** A store that runs `before` once, just before the first commit reaches `inner`. */
function interleaved(inner: EventStateStore, before: () => Promise<unknown>): EventStateStore {
  let pending: (() => Promise<unknown>) | undefined = before;
  return {
    loadBaselines: (refs) => inner.loadBaselines(refs),
    processed: (ids, now) => inner.processed(ids, now),
    loadExposures: (keys) => inner.loadExposures(keys),
    findingsOf: (key, limit) => inner.findingsOf(key, limit),
    pendingHandoffs: (limit) => inner.pendingHandoffs(limit),
    completeHandoff: (handoff) => inner.completeHandoff(handoff),
    async commit(changes, now) {
      const run = pending;
      pending = undefined;
      if (run !== undefined) await run();
      return inner.commit(changes, now);
    },
  };
}

describe("EventBatchEvaluator", () => {
  it("finds over the demo trail, 100 events a batch on the store, exactly what one in-memory pass finds", async () => {
    const demo = demoConfig();
    const uses = demoUses();
    const memory = new Evaluator({
      config: demo,
      detections: DETECTIONS,
      baselines: new MemoryBaselines(),
      network: fakeNetwork(),
      clock,
    });
    const expected = uses.flatMap((u) => {
      const e = memory.evaluate(u);
      return e === undefined ? [] : [`${e.finding.eventId} ${e.finding.signals.join(",")}`];
    });
    const batch = new EventBatchEvaluator({
      config: demo,
      network: fakeNetwork(),
      clock,
      store: new SqliteEventStateStore(":memory:"),
    });
    const found: string[] = [];
    let marked = 0;
    for (let at = 0; at < uses.length; at += 100) {
      const result = await batch.evaluate(uses.slice(at, at + 100));
      found.push(...result.findings.map((f) => `${f.eventId} ${f.signals.join(",")}`));
      marked += result.marked;
    }
    expect(expected.length).toBeGreaterThan(10);
    expect(found).toEqual(expected);
    // Most events change nothing and are not marked.
    expect(marked).toBeLessThan(uses.length / 2);
  });

  it("stores findings, baselines and the exposure, and skips the event when it comes again", async () => {
    const store = new SqliteEventStateStore(":memory:");
    const first = await batchOf(store).evaluate([call("e-1", "198.51.100.7")]);
    expect(first.outcomes).toEqual(["finding"]);
    expect(first.findings[0]?.signals).toContain("unexpected-source");
    expect((await store.findingsOf(`access-key|${KEY}`, 10)).map((f) => f.finding.eventId)).toEqual(["e-1"]);
    expect((await store.loadExposures([`access-key|${KEY}`]))[0]?.exposure).toMatchObject({ findings: 1 });
    expect(await store.loadBaselines([{ namespace: "subject", key: KEY }])).toHaveLength(1);
    const again = await batchOf(store).evaluate([call("e-1", "198.51.100.7"), call("e-1", "198.51.100.7")]);
    expect(again.outcomes).toEqual(["duplicate", "duplicate"]);
    expect(again.commits).toBe(0);
  });

  it("marks an event only when it made a finding or a second delivery would change state again", async () => {
    const store = new SqliteEventStateStore(":memory:");
    // The first use learns a lot, but learning it twice changes nothing: no mark.
    const first = await batchOf(store).evaluate([call("e-1", "203.0.113.10")]);
    expect(first).toMatchObject({ outcomes: ["quiet"], marked: 0, commits: 1 });
    expect(first.baselineWrites).toBeGreaterThan(0);
    const quiet = await batchOf(store).evaluate([call("e-2", "203.0.113.10", "2026-03-03T10:16:00Z")]);
    expect(quiet).toMatchObject({ outcomes: ["quiet"], marked: 0, baselineWrites: 0, writesByNamespace: {} });
    // A denied call is counted towards failures-then-success: counting it twice would be wrong.
    const denied = useOf(
      userKeyRecord({ eventID: "e-3", sourceIPAddress: "203.0.113.10", errorCode: "AccessDenied" }),
    );
    const failure = await batchOf(store).evaluate([denied]);
    expect(failure).toMatchObject({ outcomes: ["quiet"], marked: 1 });
    expect(failure.writesByNamespace).toMatchObject({ "failures-then-success": 1 });
    expect(await store.processed(["e-1", "e-2", "e-3"], clock.now())).toEqual(new Set(["e-3"]));
    const redelivered = await batchOf(store).evaluate([denied]);
    expect(redelivered.outcomes).toEqual(["duplicate"]);
  });

  it("re-scores an exposure from its stored findings when a later batch adds one", async () => {
    const store = new SqliteEventStateStore(":memory:");
    await batchOf(store).evaluate([call("e-1", "198.51.100.7")]);
    const later = await batchOf(store).evaluate([call("e-2", "198.51.100.8", "2026-03-03T11:00:00Z")]);
    expect(later.exposures).toHaveLength(1);
    expect(later.exposures[0]).toMatchObject({
      findings: 2,
      firstSeen: "2026-03-03T10:15:00.000Z",
      lastSeen: "2026-03-03T11:00:00.000Z",
    });
  });

  it("commits a hand-off when an exposure is new or its decision changes, none when the decision stays", async () => {
    const store = new SqliteEventStateStore(":memory:");
    const first = await batchOf(store).evaluate([call("e-1", "198.51.100.7")]);
    expect(first.handoffs).toBe(1);
    const [handoff] = await store.pendingHandoffs(10);
    expect(handoff).toMatchObject({
      id: `access-key|${KEY}#e-1`,
      eventIds: ["e-1"],
      at: clock.now(),
      exposure: { credential: { kind: "access-key", id: KEY }, decision: first.exposures[0]?.decision },
    });
    expect(handoff?.previousDecision).toBeUndefined();
    const same = await batchOf(store).evaluate([call("e-2", "198.51.100.7", "2026-03-03T10:20:00Z")]);
    expect(same.exposures[0]?.decision).toBe(first.exposures[0]?.decision);
    expect(same.handoffs).toBe(0);
    expect(await store.pendingHandoffs(10)).toHaveLength(1);
  });

  it("decides an exposure a break-glass exception covers suppressed-by-exception, reading the exceptions once per batch", async () => {
    const exceptions = new SqliteExceptionStore(":memory:");
    await grantException(
      {
        scope: { kind: "principal", arn: "arn:aws:iam::111122223333:user/svc-ci" },
        hours: 1,
        reason: "incident 4711: rebuilding the trail",
        by: "alice",
      },
      {
        exceptions,
        ledger: new SqliteLedger(":memory:"),
        clock,
        newId: () => "exc-1",
        policy: config.exceptions,
      },
    );
    let reads = 0;
    const counted: Pick<ExceptionStore, "activeAt"> = {
      activeAt: (at) => {
        reads += 1;
        return exceptions.activeAt(at);
      },
    };
    const tampering = (id: string, time: string) =>
      useOf(
        userKeyRecord({
          eventID: id,
          // From its declared network: high. From elsewhere it would be critical (logging off, off-profile).
          sourceIPAddress: "203.0.113.7",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "StopLogging",
          eventTime: time,
        }),
      );
    const uses = [tampering("e-1", "2026-03-03T10:15:00Z"), tampering("e-2", "2026-03-03T10:16:00Z")];

    const without = await batchOf(new SqliteEventStateStore(":memory:")).evaluate(uses);
    expect(without.exposures[0]?.decision).toBe("needs-approval");

    const store = new SqliteEventStateStore(":memory:");
    const held = await new EventBatchEvaluator({
      config,
      network: fakeNetwork(),
      clock,
      store,
      exceptions: counted,
    }).evaluate(uses);
    expect(reads).toBe(1);
    expect(held.findings.map((f) => f.decision)).toEqual([
      "suppressed-by-exception",
      "suppressed-by-exception",
    ]);
    expect(held.exposures).toHaveLength(1);
    expect(held.exposures[0]).toMatchObject({ decision: "suppressed-by-exception" });
    expect(held.exposures[0]?.decisionReason).toMatch(
      /^suppressed by exception exc-1 .*without it: needs-approval/,
    );
    const [handoff] = await store.pendingHandoffs(10);
    expect(handoff?.exposure.decision).toBe("suppressed-by-exception");
  });

  it("when another instance wrote the same baseline first, evaluates again on fresh state and keeps both", async () => {
    const inner = new SqliteEventStateStore(":memory:");
    await batchOf(inner).evaluate([call("e-0", "203.0.113.10", "2026-03-01T10:00:00Z")]);
    const other = batchOf(inner);
    const store = interleaved(inner, () =>
      other.evaluate([call("e-b", "203.0.113.20", "2026-03-03T10:00:00Z")]),
    );
    const result = await batchOf(store).evaluate([call("e-a", "192.0.2.10", "2026-03-03T10:05:00Z")]);
    expect(result.conflicts).toBe(1);
    expect(result.commits).toBe(1);
    const [seen] = await inner.loadBaselines([{ namespace: "unexpected-region", key: KEY }]);
    expect(seen).toBeDefined();
    const [subject] = await inner.loadBaselines([{ namespace: "subject", key: KEY }]);
    expect(subject?.value).toEqual({ firstSeen: Date.parse("2026-03-01T10:00:00Z") });
    expect(await inner.findingsOf(`access-key|${KEY}`, 10)).toHaveLength(1);
  });

  it("skips an event another instance processed while this one evaluated it: one finding, not two", async () => {
    const inner = new SqliteEventStateStore(":memory:");
    const other = batchOf(inner);
    const store = interleaved(inner, () => other.evaluate([call("e-1", "198.51.100.7")]));
    const result = await batchOf(store).evaluate([call("e-1", "198.51.100.7")]);
    expect(result.outcomes).toEqual(["duplicate"]);
    expect(result.findings).toEqual([]);
    expect(await inner.findingsOf(`access-key|${KEY}`, 10)).toHaveLength(1);
  });

  it("gives up with a StateConflictError when the state keeps changing under it", async () => {
    const inner = new SqliteEventStateStore(":memory:");
    const store: EventStateStore = {
      loadBaselines: (refs) => inner.loadBaselines(refs),
      processed: (ids, now) => inner.processed(ids, now),
      loadExposures: (keys) => inner.loadExposures(keys),
      findingsOf: (key, limit) => inner.findingsOf(key, limit),
      pendingHandoffs: (limit) => inner.pendingHandoffs(limit),
      completeHandoff: (handoff) => inner.completeHandoff(handoff),
      commit: async () => ({ ok: false, duplicates: [], staleBaselines: [], staleExposures: [] }),
    };
    await expect(batchOf(store, { maxAttempts: 3 }).evaluate([call("e-1", "198.51.100.7")])).rejects.toThrow(
      StateConflictError,
    );
  });

  it("commits a batch larger than one transaction in several commits", async () => {
    const store = new SqliteEventStateStore(":memory:");
    const uses = Array.from({ length: 120 }, (_, i) =>
      useOf(
        userKeyRecord({
          eventID: `e-${i}`,
          sourceIPAddress: `198.51.${i}.7`,
          userIdentity: {
            type: "IAMUser",
            arn: `arn:aws:iam::111122223333:user/svc-${i}`,
            accountId: "111122223333",
            accessKeyId: `AKIAEXAMPLE${String(i).padStart(9, "0")}`,
            userName: `svc-${i}`,
          },
        }),
      ),
    );
    const result = await batchOf(store).evaluate(uses);
    expect(result.commits).toBeGreaterThan(1);
    expect(result.outcomes.every((o) => o !== "duplicate")).toBe(true);
    const keys = ["AKIAEXAMPLE000000000", "AKIAEXAMPLE000000119"];
    expect(await store.loadBaselines(keys.map((key) => ({ namespace: "subject", key })))).toHaveLength(2);
  });
});
