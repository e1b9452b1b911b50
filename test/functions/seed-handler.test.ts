import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BaselineSeeder } from "../../functions/seed/baseline-seeder.ts";
import { loadSeedSettings } from "../../functions/seed/config.ts";
import {
  createSeedHandler,
  type HistoryRange,
  SEED_RESOURCE_ID,
  SeedError,
} from "../../functions/seed/seed-handler.ts";
import { CloudTrailHistoryError } from "../../shared/adapters/cloudtrail-history.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import type { CommitOutcome, EventStateStore, StateChanges } from "../../shared/ports/event-state-store.ts";
import type { SourceItem } from "../../shared/ports/record-source.ts";
import { configOf, fakeNetwork } from "../support/context.ts";
import { TestClock } from "../support/oncall.ts";
import { userKeyRecord } from "../support/records.ts";
import { fixture } from "./export-support.ts";
import { capturingLog, type LogLine } from "./support.ts";

const KEY = "AKIAEXAMPLE000000001";
const NOW = Date.parse("2026-03-10T12:00:00Z");
const DAY = 86_400_000;
const create = fixture("cfn-seed-create.json");
const update = fixture("cfn-seed-update.json");
const remove = fixture("cfn-seed-delete.json");

/** History as LookupEvents yields it: newest first, one use of svc-ci's key per day from `ips[i]`. */
function history(ips: readonly string[]): SourceItem[] {
  return ips.map((ip, i) => ({
    kind: "value",
    value: userKeyRecord({
      eventID: `h-${i}`,
      eventTime: new Date(NOW - (i + 1) * DAY).toISOString(),
      sourceIPAddress: ip,
    }),
    origin: { file: "cloudtrail-lookup-events", line: 1, index: i },
  }));
}

function setup(
  options: {
    items?: SourceItem[];
    failAfter?: { count: number; error: unknown };
    store?: EventStateStore;
    /** Moved forward by each item the history yields. */
    perItemMs?: number;
  } = {},
) {
  const store = options.store ?? new SqliteEventStateStore(":memory:");
  const clock = new TestClock(NOW);
  const lines: LogLine[] = [];
  const ranges: HistoryRange[] = [];
  const items = options.items ?? history(["192.0.2.10", "192.0.2.11", "198.51.100.7"]);
  const handler = createSeedHandler({
    clock,
    log: capturingLog(lines),
    reserveMs: 60_000,
    seeder: {
      config: configOf({ learning: { days: 1 } }),
      network: fakeNetwork(),
      clock,
      store,
      chunkSize: 2,
    },
    history: (range) => {
      ranges.push(range);
      return (async function* () {
        for (const [i, item] of items.entries()) {
          if (options.failAfter !== undefined && i === options.failAfter.count) throw options.failAfter.error;
          clock.advance(options.perItemMs ?? 0);
          yield item;
        }
      })();
    },
  });
  const baselines = async (namespace: string) =>
    (await store.loadBaselines([{ namespace, key: KEY }]))[0]?.value as Record<string, unknown> | undefined;
  return { handler, store, lines, ranges, baselines, clock };
}

const minutes = (n: number) => ({ getRemainingTimeInMillis: () => n * 60_000 });

describe("seed handler", () => {
  it("on Create reads the asked days of history and writes what it learned where the evaluate function reads", async () => {
    const { handler, ranges, baselines, lines } = setup();
    const result = await handler(create, minutes(15));
    expect(result).toEqual({
      PhysicalResourceId: SEED_RESOURCE_ID,
      Data: { records: 3, baselines: 4, daysCovered: 7 },
    });
    expect(ranges.map((r) => [r.start.toISOString(), r.end.toISOString()])).toEqual([
      ["2026-03-03T12:00:00.000Z", "2026-03-10T12:00:00.000Z"],
    ]);
    expect(await baselines("subject")).toEqual({ firstSeen: NOW - 3 * DAY });
    const seen = (await baselines("new-source")) as { nets: Record<string, number> };
    expect(Object.keys(seen.nets)).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ level: "info", message: "baseline seed done" });
  });

  it("reads the Days property as CloudFormation sends it, a string", async () => {
    const { handler, ranges } = setup();
    await handler({ ...create, ResourceProperties: { ProfilesHash: "abc", Days: "30" } });
    expect(ranges[0]?.start.toISOString()).toBe("2026-02-08T12:00:00.000Z");
  });

  it("refuses Days outside 1 to 90, or not a whole number, naming the property and the fix", async () => {
    const { handler, ranges } = setup();
    await expect(
      handler({ ...create, ResourceProperties: { ProfilesHash: "abc", Days: "91" } }),
    ).rejects.toThrow(
      /the baseline seed's properties are wrong: Days "91": must be from 1 to 90 \(LookupEvents keeps 90 days\)\. Set the Vigil construct's seed days/,
    );
    await expect(
      handler({ ...create, ResourceProperties: { ProfilesHash: "abc", Days: "a week" } }),
    ).rejects.toThrow(/Days "a week": must be a whole number/);
    await expect(handler({ ...create, ResourceProperties: { Days: "7" } })).rejects.toThrow(
      /ProfilesHash is missing/,
    );
    expect(ranges).toEqual([]);
  });

  it("on Update learns again only when the profiles hash changed", async () => {
    const same = setup();
    const unchanged = {
      ...update,
      ResourceProperties: (update as { OldResourceProperties: unknown }).OldResourceProperties,
    };
    expect(await same.handler(unchanged)).toEqual({
      PhysicalResourceId: "vigil-baseline-seed",
      Data: { records: 0, baselines: 0, daysCovered: 0 },
    });
    expect(same.ranges).toEqual([]);

    const changed = setup();
    expect(await changed.handler(update)).toMatchObject({
      PhysicalResourceId: "vigil-baseline-seed",
      Data: { records: 3, daysCovered: 7 },
    });
  });

  it("on Delete reads nothing and keeps the physical id, even with properties it would refuse", async () => {
    const { handler, ranges } = setup();
    const result = await handler({ ...remove, ResourceProperties: { Days: "500" } });
    expect(result).toEqual({
      PhysicalResourceId: "vigil-baseline-seed",
      Data: { records: 0, baselines: 0, daysCovered: 0 },
    });
    expect(ranges).toEqual([]);
  });

  it("refuses an event that is not a custom resource event", async () => {
    const { handler } = setup();
    await expect(handler({ RequestType: "Replace" })).rejects.toBeInstanceOf(SeedError);
    await expect(handler(fixture("eventbridge-scheduled-event.json"))).rejects.toThrow(
      /expected a CloudFormation custom resource event/,
    );
  });

  it("stops early when the invocation's time runs short, keeps what it learned and says how far back it got", async () => {
    // 15 min left, 1 min kept back, each event takes 7 minutes to read: the loop stops after the second.
    const items = history(Array.from({ length: 6 }, (_, i) => `192.0.2.${i + 1}`));
    const { handler, baselines, lines, ranges } = setup({ items, perItemMs: 7 * 60_000 });
    const result = await handler(create, minutes(15));
    expect(result.Data).toEqual({ records: 2, baselines: 4, daysCovered: 2 });
    expect(ranges[0]?.signal.aborted).toBe(false);
    expect((await baselines("subject")) as unknown).toEqual({ firstSeen: NOW - 2 * DAY });
    expect(lines.at(-1)).toMatchObject({
      level: "warn",
      message: expect.stringMatching(/stopped early: the invocation's time ran short/),
      attributes: { daysAsked: 7, daysCovered: 2 },
    });
  });

  it("succeeds with what it learned when LookupEvents keeps throttling", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const error = new CloudTrailHistoryError("CloudTrail LookupEvents kept throttling after 8 attempts", {
      cause: throttled,
    });
    const { handler, lines } = setup({ failAfter: { count: 1, error } });
    const result = await handler(create, minutes(15));
    expect(result.Data).toEqual({ records: 1, baselines: 4, daysCovered: 1 });
    expect(lines.at(-1)?.message).toMatch(/LookupEvents kept throttling/);
  });

  it("fails the deployment on access denied, naming the permission", async () => {
    const denied = Object.assign(new Error("User is not authorized to perform: cloudtrail:LookupEvents"), {
      name: "AccessDeniedException",
    });
    const error = new CloudTrailHistoryError(
      "CloudTrail LookupEvents failed on page 1: AccessDeniedException: User is not authorized to perform: cloudtrail:LookupEvents; check the credentials, the region and the cloudtrail:LookupEvents permission",
      { cause: denied },
    );
    const { handler } = setup({ failAfter: { count: 0, error } });
    const failure = handler(create, minutes(15));
    await expect(failure).rejects.toBeInstanceOf(SeedError);
    await expect(failure).rejects.toThrow(
      /seeding baselines from CloudTrail event history failed: CloudTrail LookupEvents failed on page 1: AccessDeniedException.*The seed function's role needs cloudtrail:LookupEvents/,
    );
  });

  it("merges with baselines the evaluate function wrote meanwhile instead of overwriting them", async () => {
    // The first commit finds that the evaluate function learned another network for the key in between.
    class RacingStore extends SqliteEventStateStore {
      raced = false;
      override async commit(changes: StateChanges, now: number): Promise<CommitOutcome> {
        if (!this.raced) {
          this.raced = true;
          const live = { since: NOW, nets: { "203.0.113.0/24": NOW } };
          const [current] = await this.loadBaselines([{ namespace: "new-source", key: KEY }]);
          await super.commit(
            {
              processed: [],
              findings: [],
              exposures: [],
              baselines: [{ namespace: "new-source", key: KEY, value: live, expected: current?.version }],
            },
            now,
          );
        }
        return super.commit(changes, now);
      }
    }
    const inner = new RacingStore(":memory:");
    const store = inner;
    const seeder = new BaselineSeeder({
      config: configOf({}),
      network: fakeNetwork(),
      clock: new TestClock(NOW),
      store,
    });
    for (const item of history(["192.0.2.10"])) await seeder.take(item);
    await seeder.flush();
    expect(seeder.summary()).toMatchObject({ learned: 1, conflicts: 1, baselines: 4 });
    const [seen] = await inner.loadBaselines([{ namespace: "new-source", key: KEY }]);
    const nets = (seen!.value as { nets: Record<string, number> }).nets;
    expect(Object.keys(nets)).toHaveLength(2);
    expect(nets["203.0.113.0/24"]).toBe(NOW);
  });

  it("counts records that cannot be learned from without stopping", async () => {
    const { handler, lines } = setup({
      items: [
        {
          kind: "error",
          error: "event e-1 has no CloudTrailEvent",
          origin: { file: "cloudtrail-lookup-events", line: 1, index: 0 },
        },
        ...history(["192.0.2.10"]),
      ],
    });
    expect((await handler(create)).Data).toEqual({ records: 2, baselines: 4, daysCovered: 7 });
    expect(lines.at(-1)?.attributes).toMatchObject({
      rejected: 1,
      rejections: ["cloudtrail-lookup-events:1 #0: event e-1 has no CloudTrailEvent"],
    });
  });
});

describe("seed settings", () => {
  it("reads the table besides the common settings, and refuses to start without it", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-seed-settings-"));
    writeFileSync(join(dir, "vigil.config.json"), "{}");
    const env = { VIGIL_MODE: "observe", VIGIL_TABLE_NAME: "vigil-state", AWS_REGION: "eu-central-1" };
    expect(loadSeedSettings(env, dir)).toMatchObject({ tableName: "vigil-state", region: "eu-central-1" });
    expect(() => loadSeedSettings({ ...env, VIGIL_TABLE_NAME: undefined }, dir)).toThrow(
      /VIGIL_TABLE_NAME is not set/,
    );
  });
});
