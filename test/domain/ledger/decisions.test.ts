import { describe, expect, it } from "vitest";
import type { Detection } from "../../../shared/domain/detections/detection.ts";
import { verifyChain } from "../../../shared/domain/ledger/chain.ts";
import {
  decisionEntries,
  MAX_EVENT_IDS,
  recordRunDecisions,
} from "../../../shared/domain/ledger/decisions.ts";
import { runPipeline } from "../../../shared/domain/pipeline/replay.ts";
import type { SourceItem } from "../../../shared/ports/record-source.ts";
import { nullRunStore } from "../../../shared/ports/run-store.ts";
import { configOf, fakeNetwork } from "../../support/context.ts";
import { MemoryLedger } from "../../support/oncall.ts";
import { roleSessionRecord, userKeyRecord } from "../../support/records.ts";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const clock = { now: () => NOW };

const tampering: Detection = {
  id: "logging-tampering",
  title: "test detection",
  weight: 35,
  attack: ["T1078.004"],
  evaluate: (use) =>
    use.eventName === "StopLogging" ? { id: "logging-tampering", reason: "stopped the trail" } : undefined,
};

async function* items(records: unknown[]): AsyncGenerator<SourceItem> {
  let index = 0;
  for (const value of records) {
    yield { kind: "value", value, origin: { file: "trail.json", line: index + 1, index } };
    index += 1;
  }
}

async function replay(records: unknown[]) {
  return runPipeline(items(records), ["trail.json"], {
    config: configOf({ policy: { auto: "critical", approval: "high", notify: "low" } }),
    detections: [tampering],
    network: fakeNetwork(),
    clock,
    store: nullRunStore,
  });
}

const stop = (eventID: string, overrides: Record<string, unknown> = {}) =>
  userKeyRecord({ eventID, eventSource: "cloudtrail.amazonaws.com", eventName: "StopLogging", ...overrides });

describe("decisionEntries", () => {
  it("makes one finding-decided record per exposure, by vigil, about its credential", async () => {
    const result = await replay([
      stop("a1"),
      stop("a2"),
      roleSessionRecord({ eventID: "r1", eventName: "StopLogging", eventSource: "cloudtrail.amazonaws.com" }),
    ]);
    const entries = decisionEntries(result, NOW);
    expect(entries).toHaveLength(result.exposures.length);
    expect(entries).toHaveLength(2);
    const key = entries.find((e) => e.subject.kind === "access-key")!;
    expect(key).toMatchObject({
      time: "2026-03-10T12:00:00.000Z",
      actor: { kind: "vigil", id: "vigil" },
      action: "finding-decided",
      subject: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
      controls: { nistCsf: ["DE.CM-01", "DE.CM-03", "DE.AE-02", "DE.AE-04"], owaspNhi: ["NHI5:2025"] },
    });
    const exposure = result.exposures.find((e) => e.credential.kind === "access-key")!;
    expect(key.reason).toBe(exposure.decisionReason);
    expect(key.change).toMatchObject({
      runId: result.runId,
      decision: exposure.decision,
      severity: exposure.severity,
      score: exposure.score,
      signals: ["logging-tampering"],
      reasons: ["logging-tampering: stopped the trail"],
      findings: 2,
      eventIds: ["a1", "a2"],
    });
    expect((key.change.playbook as { id: string }).id).toBe(exposure.playbook?.id);
  });

  it("records nothing for a run without exposures", async () => {
    const result = await replay([userKeyRecord({ eventID: "quiet" })]);
    expect(decisionEntries(result, NOW)).toEqual([]);
  });

  it(`names at most ${MAX_EVENT_IDS} event ids per exposure`, async () => {
    const result = await replay(Array.from({ length: MAX_EVENT_IDS + 5 }, (_, i) => stop(`e${i}`)));
    const [entry] = decisionEntries(result, NOW);
    expect(entry?.change.findings).toBe(MAX_EVENT_IDS + 5);
    expect(entry?.change.eventIds).toHaveLength(MAX_EVENT_IDS);
  });
});

describe("recordRunDecisions", () => {
  it("appends the run's decisions to the ledger as one chained batch", async () => {
    const ledger = new MemoryLedger();
    const result = await replay([stop("a1")]);
    const sealed = await recordRunDecisions(result, { ledger, clock });
    expect(sealed.map((r) => r.seq)).toEqual([1]);
    expect(await ledger.count()).toBe(1);
    expect(await verifyChain(() => ledger.stored())).toMatchObject({ intact: true, count: 1 });
  });
});
