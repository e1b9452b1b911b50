import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { s3TrailObjects } from "../../shared/adapters/s3-trail-objects.ts";
import { powertoolsLog } from "../common/log.ts";
import { wireDeciding, wireIntake } from "../common/state-wiring.ts";
import { loadIngestSettings } from "./config.ts";
import { createIngestHandler } from "./ingest-handler.ts";

// The only wiring place of the ingest function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it (the link
// secret is read when the first approval request is announced). It holds no IAM permission to act: `auto` playbooks go to the actions queue.
const logger = new Logger({ serviceName: "vigil-ingest" });
const settings = loadIngestSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const region = settings.region === undefined ? {} : { region: settings.region };
const ingest = createIngestHandler({
  log,
  objects: s3TrailObjects(new S3Client(region)),
  intake: wireIntake(settings, wireDeciding(settings), log),
});

/** Lambda entry point: an SQS batch of S3 notifications for trail files → partial batch failures. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return ingest(event);
};
