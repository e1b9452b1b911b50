import { AwsNetworkClassifier } from "../../adapters/aws-network-classifier.ts";
import { createCloudTrailClient, lookupEvents } from "../../adapters/cloudtrail-history.ts";
import { DETECTIONS } from "../../domain/detections/registry.ts";
import { runPipeline } from "../../domain/pipeline/replay.ts";
import type { SourceItem } from "../../ports/record-source.ts";
import { type Command, stringOption } from "../command.ts";
import {
  configOf,
  itemsOf,
  positiveInt,
  progressReporter,
  runStoreOf,
  STORE_OPTIONS,
  storePath,
} from "../run-context.ts";
import { UsageError } from "../usage.ts";

/** `vigil learn`: builds baselines from history files or the account's CloudTrail event history. */
export const learnCommand: Command = {
  name: "learn",
  summary: "build baselines from history files or CloudTrail event history (no findings)",
  help: `vigil learn <file-or-dir>... [--config FILE] [--store PATH]
vigil learn --from-cloudtrail [--days N] [--region REGION] [--endpoint URL] [--config FILE] [--store PATH]
  Builds the learned baselines into the store without reporting findings, from history files or from
  the account's CloudTrail event history (LookupEvents, default credential chain).
    --days N              how many days of event history to read (1–90, default 7)
    --region REGION       the region to read (default from the environment)
    --endpoint URL        a CloudTrail endpoint (an emulator or a VPC endpoint)
`,
  options: {
    ...STORE_OPTIONS,
    memory: { type: "boolean" },
    "from-cloudtrail": { type: "boolean" },
    days: { type: "string" },
    region: { type: "string" },
    endpoint: { type: "string" },
  },
  async run(paths, values, io) {
    if (values.memory === true) {
      throw new UsageError("learn keeps baselines in the store; --memory would throw them away");
    }
    const fromCloudTrail = values["from-cloudtrail"] === true;
    if (fromCloudTrail === paths.length > 0) {
      throw new UsageError(
        "learn needs either history files (vigil learn trail/) or --from-cloudtrail --days N, not both",
      );
    }
    const days = positiveInt(values, "days", 7, 90);
    const config = configOf(values, io);
    const store = runStoreOf(values, io);
    const started = io.clock.now();
    try {
      let items: AsyncIterable<SourceItem>;
      let inputs: readonly string[];
      if (fromCloudTrail) {
        const client = createCloudTrailClient({
          region: stringOption(values, "region"),
          endpoint: stringOption(values, "endpoint"),
        });
        items = lookupEvents(client, {
          start: new Date(started - days * 86_400_000),
          end: new Date(started),
        });
        inputs = [`cloudtrail:lookup-events:${days}d`];
      } else {
        items = itemsOf(paths, io);
        inputs = paths;
      }
      const result = await runPipeline(
        items,
        inputs,
        {
          config,
          detections: DETECTIONS,
          network: new AwsNetworkClassifier(),
          clock: io.clock,
          store,
          onProgress: progressReporter(io, started),
        },
        "learn",
      );
      const s = result.summary;
      io.stdout.write(
        `vigil learn: ${s.records.toLocaleString("en-US")} records learned into ${stringOption(values, "store") ?? storePath(values, io)}; ${s.rejected} rejected\n`,
      );
      for (const r of result.rejected.slice(0, 20))
        io.stdout.write(`  ${r.source} #${r.index}: ${r.error}\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};
