import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { EventBatchEvaluator } from "../common/event-batch.ts";
import { powertoolsLog } from "../common/log.ts";
import { RecordIntake } from "../common/record-intake.ts";
import { loadEvaluateSettings } from "./config.ts";
import { createEvaluateHandler } from "./evaluate-handler.ts";

// The only wiring place of the evaluate function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-evaluate" });
const settings = loadEvaluateSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const table = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  tableName: settings.tableName,
};
const evaluate = createEvaluateHandler({
  log,
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

/** Lambda entry point: an SQS batch of EventBridge events → partial batch failures. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return evaluate(event);
};
