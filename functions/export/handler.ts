import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { S3RecordArchive } from "../../shared/adapters/s3-record-archive.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { powertoolsLog } from "../common/log.ts";
import { loadExportSettings } from "./config.ts";
import { createExportHandler } from "./export-handler.ts";

// The only wiring place of the export function. Everything here runs once per cold start: a bad
// setting stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-export" });
const settings = loadExportSettings(process.env);
const exportRecords = createExportHandler({
  log: powertoolsLog(logger),
  clock: systemClock,
  ledger: new DynamoLedger({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: settings.tableName,
  }),
  archive: new S3RecordArchive(new S3Client({}), settings.bucket),
  archiveName: `s3://${settings.bucket}`,
});

/** Lambda entry point: a schedule's event (or any payload, on demand) → what was exported. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return exportRecords(event);
};
