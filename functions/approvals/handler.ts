import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { createSnsClient, SnsNotifier } from "../../shared/adapters/aws-sns-notifier.ts";
import { DynamoApprovalStore } from "../../shared/adapters/dynamodb-approvals.ts";
import { DynamoExceptionStore } from "../../shared/adapters/dynamodb-exceptions.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { DynamoUsedLinks } from "../../shared/adapters/dynamodb-used-links.ts";
import { SqsPlaybookDispatch } from "../../shared/adapters/sqs-playbook-dispatch.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { startupLinkKey } from "../common/approval-links.ts";
import { powertoolsLog } from "../common/log.ts";
import { createApprovalsHandler } from "./approvals-handler.ts";
import { loadApprovalsSettings } from "./config.ts";

// The only wiring place of the approvals function. Everything here runs once per cold start: a bad
// setting, config or link secret stops the start with a StartupError that says which and how to fix
// it. The link secret's value is held in memory only, never logged.
const logger = new Logger({ serviceName: "vigil-approvals" });
const settings = loadApprovalsSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const region = settings.region === undefined ? {} : { region: settings.region };
const secret = await startupLinkKey(new SecretsManagerClient(region), settings.linkSecretArn);
const table = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient(region)),
  tableName: settings.tableName,
};
const approvals = createApprovalsHandler({
  approvals: new DynamoApprovalStore(table),
  ledger: new DynamoLedger(table),
  usedLinks: new DynamoUsedLinks(table),
  exceptions: new DynamoExceptionStore(table),
  dispatch: new SqsPlaybookDispatch(new SQSClient(region), settings.actionsQueueUrl),
  notifier: new SnsNotifier(createSnsClient({ region: settings.region }), settings.topicArn),
  clock: systemClock,
  newId: randomUUID,
  policy: settings.config.approvals,
  baseUrl: settings.baseUrl,
  secret,
  log,
});

/** Lambda entry point: an HTTP API (payload 2.0) request → its JSON or HTML response. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return approvals(event);
};
