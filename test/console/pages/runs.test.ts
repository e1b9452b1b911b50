import { describe, expect, it } from "vitest";
import { quarantinesOf, runsPage } from "../../../shared/console/pages/runs.ts";
import { quarantineRun, SEEDED_AT } from "../../support/console-store.ts";

describe("quarantinesOf", () => {
  it("lists applied quarantine steps newest first, lifted when undo reverted them", () => {
    const list = quarantinesOf([
      quarantineRun("old", SEEDED_AT - 10_000, true),
      quarantineRun("new", SEEDED_AT, false),
    ]);
    expect(list.map((q) => [q.runId, q.lifted?.reason])).toEqual([
      ["new", undefined],
      ["old", "false positive: nightly ETL"],
    ]);
  });

  it("leaves out quarantine steps that did not act", () => {
    const run = quarantineRun("blocked", SEEDED_AT, false);
    const blocked = { ...run, steps: run.steps.map((s) => ({ ...s, status: "blocked" as const })) };
    expect(quarantinesOf([blocked])).toEqual([]);
  });
});

describe("runsPage", () => {
  it("shows how long an active quarantine has held, the lift with its reason, and the kill switch", () => {
    const text = String(
      runsPage({
        runs: [
          quarantineRun("a", SEEDED_AT - 7_200_000, false),
          quarantineRun("b", SEEDED_AT - 86_400_000, true),
        ],
        killSwitch: { reason: "incident <4711>", since: SEEDED_AT },
        now: SEEDED_AT,
      }),
    );
    expect(text).toContain('quarantined</span> <span class="meta">for 2 h 00 min</span>');
    expect(text).toContain("lifted</span>");
    expect(text).toContain("false positive: nightly ETL");
    expect(text).toContain("Kill switch ON since 2026-03-10 12:00:00 UTC: incident &lt;4711&gt;");
    expect(text).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
  });

  it("says when there is nothing to show", () => {
    const text = String(runsPage({ runs: [], killSwitch: undefined, now: SEEDED_AT }));
    expect(text).toContain("No quarantines.");
    expect(text).toContain('Kill switch: <span class="state-ok">off</span>');
  });
});
