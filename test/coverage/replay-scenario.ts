import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { runPipeline } from "../../shared/domain/pipeline/replay.ts";
import type { SourceItem } from "../../shared/ports/record-source.ts";
import { nullRunStore } from "../../shared/ports/run-store.ts";
import { configOf } from "../support/context.ts";
import type { RawRecord } from "../support/records.ts";

const network = new AwsNetworkClassifier();

/**
 * Replays records through every detection the way `vigil replay --memory` does, with a config
 * (default: none, as a new user starts) and vigil's own offline network classifier.
 */
export async function replayScenario(records: readonly RawRecord[], config: ConfigInput = {}) {
  async function* items(): AsyncGenerator<SourceItem> {
    for (const [index, value] of records.entries()) {
      yield { kind: "value", value, origin: { file: "scenario.json", line: index + 1, index } };
    }
  }
  return runPipeline(items(), ["scenario.json"], {
    config: configOf(config),
    detections: DETECTIONS,
    network,
    clock: { now: () => Date.parse("2026-03-12T15:00:00Z") },
    store: nullRunStore,
  });
}
