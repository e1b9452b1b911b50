import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { AwsIamGateway, createIamClient } from "../../shared/adapters/aws-iam-gateway.ts";
import { AwsSecretsGateway, createSecretsClient } from "../../shared/adapters/aws-secrets-gateway.ts";
import { createSnsClient, SnsNotifier } from "../../shared/adapters/aws-sns-notifier.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
import { MemberAccountGateways } from "../../shared/adapters/member-account-gateways.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { timerSleep } from "../../shared/ports/sleep.ts";
import { powertoolsLog } from "../common/log.ts";
import { loadExecuteSettings } from "./config.ts";
import { type AccountGateways, createExecuteHandler } from "./execute-handler.ts";

// The only wiring place of the execute function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-execute" });
const settings = loadExecuteSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const clients = { region: settings.region };
const own: AccountGateways = {
  iam: new AwsIamGateway(createIamClient(clients)),
  secrets: new AwsSecretsGateway(createSecretsClient(clients)),
};
const members =
  settings.members === undefined
    ? undefined
    : new MemberAccountGateways({
        ...settings.members,
        own,
        ...(settings.region === undefined ? {} : { region: settings.region }),
      });
const table = {
  client: DynamoDBDocumentClient.from(new DynamoDBClient(settings.region === undefined ? {} : clients)),
  tableName: settings.tableName,
};
const execute = createExecuteHandler({
  mode: settings.mode,
  log,
  gatewaysFor: members === undefined ? () => own : (principalArn) => members.forPrincipal(principalArn),
  ledger: new DynamoLedger(table),
  executor: {
    notifier: new SnsNotifier(createSnsClient(clients), settings.topicArn),
    store: new DynamoPlaybookRunStore(table),
    clock: systemClock,
    newId: randomUUID,
    sleep: (ms) => timerSleep(ms),
    random: Math.random,
    guards: { config: settings.config },
  },
});

/** Lambda entry point: a batch of the actions queue, or one playbook request → what was run. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return execute(event);
};
