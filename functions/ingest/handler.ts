import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { s3TrailObjects } from "../../shared/adapters/s3-trail-objects.ts";
import { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { powertoolsLog } from "../common/log.ts";
import { RecentEvents } from "../common/recent-events.ts";
import { logFindingRecorder, RecordIntake } from "../common/record-intake.ts";
import { loadIngestSettings } from "./config.ts";
import { createIngestHandler } from "./ingest-handler.ts";

// The only wiring place of the ingest function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-ingest" });
const settings = loadIngestSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const ingest = createIngestHandler({
  log,
  objects: s3TrailObjects(new S3Client({})),
  intake: new RecordIntake({
    config: settings.config,
    // Baselines live in this instance's memory for now; durable baselines in DynamoDB come next.
    baselines: new MemoryBaselines(),
    network: new AwsNetworkClassifier({ packageDir: settings.rangesDir }),
    clock: systemClock,
    recent: new RecentEvents(),
    findings: logFindingRecorder(log, settings.mode),
    log,
  }),
});

/** Lambda entry point: an SQS batch of S3 notifications for trail files → partial batch failures. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return ingest(event);
};
