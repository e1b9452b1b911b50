import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { loadConfigFile } from "../../shared/adapters/config-file.ts";
import { readRecords } from "../../shared/adapters/file-records.ts";
import { loadIamSnapshot } from "../../shared/adapters/iam-snapshot-privilege.ts";
import { demoTrail, STORIES, trailFileText } from "../../shared/demo/generate.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { runPipeline } from "../../shared/domain/pipeline/replay.ts";
import { nullRunStore } from "../../shared/ports/run-store.ts";

const demo = (name: string) => fileURLToPath(new URL(`../../shared/demo/${name}`, import.meta.url));

async function replayDemo() {
  return runPipeline(readRecords([demo("trail.json.gz")]), ["trail.json.gz"], {
    config: loadConfigFile(demo("vigil.config.yaml")),
    detections: DETECTIONS,
    network: new AwsNetworkClassifier(),
    clock: { now: () => Date.parse("2026-03-09T00:00:00Z") },
    store: nullRunStore,
    privilege: loadIamSnapshot(
      JSON.parse(readFileSync(demo("iam-snapshot.json"), "utf8")),
      "iam-snapshot.json",
    ),
  });
}

describe("the demo", () => {
  it("ships the trail its generator makes", () => {
    const shipped = gunzipSync(readFileSync(demo("trail.json.gz"))).toString("utf8");
    expect(shipped).toBe(trailFileText(demoTrail()));
  });

  it("tells every attack story at the top of the report and stays quiet on the rest", async () => {
    const result = await replayDemo();
    expect(result.summary.rejected).toBe(0);
    expect(result.summary.records).toBeGreaterThan(5_000);
    const storyCredentials = new Set(STORIES.map((s) => `${s.credential.kind}|${s.credential.id}`));
    // Only the credentials of the stories have exposures: ordinary activity raises nothing.
    expect(result.exposures.map((e) => `${e.credential.kind}|${e.credential.id}`).sort()).toEqual(
      [...storyCredentials].sort(),
    );
    // And every finding is a step of a story: a call it names, at or after its start.
    for (const finding of result.findings) {
      const stories = STORIES.filter((s) => s.credential.id === finding.credential.id);
      const starts = Math.min(...stories.map((s) => Date.parse(s.at)));
      const calls = new Set(stories.flatMap((s) => s.eventNames));
      const what = `${finding.eventTime} ${finding.eventName} (${finding.signals.join(", ")})`;
      expect(Date.parse(finding.eventTime), what).toBeGreaterThanOrEqual(starts);
      expect(calls.has(finding.eventName), what).toBe(true);
    }
    for (const story of STORIES) {
      const exposure = result.exposures.find((e) => e.credential.id === story.credential.id);
      expect(exposure?.signals, story.id).toEqual(expect.arrayContaining([...story.signals]));
      expect(["high", "critical"], story.id).toContain(exposure?.severity);
    }
  });
});
