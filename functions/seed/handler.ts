import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { createCloudTrailClient, lookupEvents } from "../../shared/adapters/cloudtrail-history.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { powertoolsLog } from "../common/log.ts";
import { loadSeedSettings } from "./config.ts";
import { createSeedHandler } from "./seed-handler.ts";

// The only wiring place of the seed function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-seed" });
const settings = loadSeedSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const cloudTrail = createCloudTrailClient(settings.region === undefined ? {} : { region: settings.region });
const seed = createSeedHandler({
  log: powertoolsLog(logger),
  clock: systemClock,
  history: (range) => lookupEvents(cloudTrail, range),
  seeder: {
    config: settings.config,
    network: new AwsNetworkClassifier({ packageDir: settings.rangesDir }),
    clock: systemClock,
    store: new DynamoEventStateStore({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      tableName: settings.tableName,
    }),
  },
});

/** Lambda entry point (the Provider framework's onEvent): a custom resource event → its id and data. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return seed(event, context);
};
