import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { s3TrailObjects } from "../../shared/adapters/s3-trail-objects.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { EventBatchEvaluator } from "../common/event-batch.ts";
import { powertoolsLog } from "../common/log.ts";
import { RecordIntake } from "../common/record-intake.ts";
import { loadIngestSettings } from "./config.ts";
import { createIngestHandler } from "./ingest-handler.ts";

// The only wiring place of the ingest function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-ingest" });
const settings = loadIngestSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const table = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  tableName: settings.tableName,
};
const ingest = createIngestHandler({
  log,
  objects: s3TrailObjects(new S3Client({})),
  intake: new RecordIntake({
    mode: settings.mode,
    log,
    batch: new EventBatchEvaluator({
      config: settings.config,
      network: new AwsNetworkClassifier({ packageDir: settings.rangesDir }),
      clock: systemClock,
      store: new DynamoEventStateStore(table),
    }),
  }),
});

/** Lambda entry point: an SQS batch of S3 notifications for trail files → partial batch failures. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return ingest(event);
};
