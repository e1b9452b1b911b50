import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteRunStore } from "../../../shared/adapters/sqlite-store.ts";
import type { Detection } from "../../../shared/domain/detections/detection.ts";
import { subjectKey } from "../../../shared/domain/detections/detection.ts";
import { runPipeline } from "../../../shared/domain/pipeline/replay.ts";
import type { SourceItem } from "../../../shared/ports/record-source.ts";
import { nullRunStore } from "../../../shared/ports/run-store.ts";
import { configOf, fakeNetwork } from "../../support/context.ts";
import { roleSessionRecord, userKeyRecord } from "../../support/records.ts";

const clock = { now: () => Date.parse("2026-03-10T00:00:00Z") };

/** Fires on every call named "Boom"; learns how many calls each subject made. */
const boom: Detection = {
  id: "logging-tampering",
  title: "test detection",
  weight: 35,
  attack: ["T1078.004"],
  evaluate: (use) =>
    use.eventName === "Boom"
      ? { id: "logging-tampering", reason: `boom by ${use.principal.arn}` }
      : undefined,
  learn: (use, ctx) => {
    const seen = ctx.baselines.get<number>("calls", subjectKey(use)) ?? 0;
    ctx.baselines.set("calls", subjectKey(use), seen + 1);
  },
};
/** Fires on calls from outside 203.0.113.0/24. */
const elsewhere: Detection = {
  id: "unexpected-source",
  title: "test detection",
  weight: 20,
  attack: ["T1078.004"],
  evaluate: (use) =>
    use.source.ip !== undefined && !use.source.ip.startsWith("203.0.113.")
      ? { id: "unexpected-source", reason: `from ${use.source.ip}` }
      : undefined,
};

function values(records: unknown[], file = "trail.json"): SourceItem[] {
  return records.map((value, index) => ({ kind: "value", value, origin: { file, line: index + 1, index } }));
}

async function* stream(items: SourceItem[], failAfter?: number): AsyncGenerator<SourceItem> {
  let n = 0;
  for (const item of items) {
    if (failAfter !== undefined && n === failAfter) throw new Error("disk on fire");
    n += 1;
    yield item;
  }
}

function deps(store = nullRunStore, batchSize = 5_000) {
  return {
    config: configOf(),
    detections: [boom, elsewhere],
    network: fakeNetwork(),
    clock,
    store,
    batchSize,
  };
}

describe("runPipeline", () => {
  it("finds, scores, decides and ranks per credential, and rejects what it cannot use", async () => {
    const items: SourceItem[] = [
      ...values([
        userKeyRecord({ eventID: "a1" }),
        userKeyRecord({ eventID: "a2", eventName: "Boom", sourceIPAddress: "198.51.100.7" }),
        roleSessionRecord({ eventID: "b1", eventName: "Boom" }),
        { eventName: "NoTime" },
      ]),
      { kind: "error", error: "line 9: not JSON", origin: { file: "trail.json", line: 9, index: 4 } },
    ];
    const result = await runPipeline(stream(items), ["trail.json"], deps());
    expect(result.summary).toEqual({ records: 5, rejected: 2, findings: 2, exposures: 2, ignored: 0 });
    expect(result.rejected).toEqual([
      { index: 3, source: "trail.json:4", error: "eventTime is missing or not a string" },
      { index: 4, source: "trail.json:9", error: "line 9: not JSON" },
    ]);
    const [top, second] = result.exposures;
    expect(top?.credential).toEqual({ kind: "access-key", id: "AKIAEXAMPLE000000001" });
    expect(top?.signals).toEqual(["logging-tampering", "unexpected-source"]);
    expect(top!.score).toBeGreaterThan(second!.score);
    expect(result.findings[0]).toMatchObject({
      eventId: "a2",
      signals: ["logging-tampering", "unexpected-source"],
      reasons: [
        { signal: "logging-tampering", reason: "boom by arn:aws:iam::111122223333:user/svc-ci" },
        { signal: "unexpected-source", reason: "from 198.51.100.7" },
      ],
      origin: { file: "trail.json", line: 2, index: 1 },
    });
  });

  it("aggregates findings of all sessions of one role into one exposure", async () => {
    const items = values([
      roleSessionRecord({ eventID: "s1", eventName: "Boom" }, { key: "ASIAEXAMPLESESSION01" }),
      roleSessionRecord({ eventID: "s2", eventName: "Boom" }, { key: "ASIAEXAMPLESESSION02" }),
    ]);
    const result = await runPipeline(stream(items), ["x"], deps());
    expect(result.exposures).toHaveLength(1);
    expect(result.exposures[0]).toMatchObject({ findings: 2, credential: { kind: "role-session" } });
  });

  it("keeps baselines, findings and exposures in the store across runs", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "vigil-")), "vigil.db");
    const first = new SqliteRunStore(path);
    await runPipeline(
      stream(values([userKeyRecord({ eventID: "k1" }), userKeyRecord({ eventID: "k2", eventName: "Boom" })])),
      ["a"],
      deps(first),
    );
    first.close();

    const second = new SqliteRunStore(path);
    const learned: Array<[string, string, unknown]> = [];
    second.loadBaselines((ns, key, value) => learned.push([ns, key, value]));
    expect(learned).toContainEqual(["calls", "AKIAEXAMPLE000000001", 2]);
    expect(learned).toContainEqual([
      "subject",
      "AKIAEXAMPLE000000001",
      { firstSeen: Date.parse("2026-03-03T10:15:00Z") },
    ]);
    await runPipeline(stream(values([userKeyRecord({ eventID: "k3" })])), ["b"], deps(second));
    const after: Array<[string, string, unknown]> = [];
    second.loadBaselines((ns, key, value) => after.push([ns, key, value]));
    expect(after).toContainEqual(["calls", "AKIAEXAMPLE000000001", 3]);
    expect(second.counts()).toMatchObject({ runs: 2, findings: 1, exposures: 1 });
    second.close();
  });

  it("loses nothing already committed when the run dies mid-way", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "vigil-")), "vigil.db");
    const store = new SqliteRunStore(path);
    const records = Array.from({ length: 20 }, (_, i) =>
      userKeyRecord({ eventID: `c${i}`, eventName: "Boom" }),
    );
    await expect(runPipeline(stream(values(records), 12), ["crash"], deps(store, 5))).rejects.toThrow(
      "disk on fire",
    );
    store.close();
    const reopened = new SqliteRunStore(path);
    expect(reopened.counts().findings).toBe(10);
    reopened.close();
  });

  it("learns without finding anything in learn mode", async () => {
    const result = await runPipeline(
      stream(values([userKeyRecord({ eventName: "Boom" })])),
      ["h"],
      deps(),
      "learn",
    );
    expect(result.summary).toMatchObject({ records: 1, findings: 0, exposures: 0 });
  });

  it("reports progress and a final done", async () => {
    const seen: number[] = [];
    const records = Array.from({ length: 7 }, (_, i) => userKeyRecord({ eventID: `p${i}` }));
    await runPipeline(stream(values(records)), ["p"], {
      ...deps(),
      progressEvery: 3,
      onProgress: (p) => seen.push(p.done ? -p.records : p.records),
    });
    expect(seen).toEqual([3, 6, -7]);
  });
});
