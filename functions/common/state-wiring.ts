import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { createSnsClient, SnsNotifier } from "../../shared/adapters/aws-sns-notifier.ts";
import { DynamoApprovalStore } from "../../shared/adapters/dynamodb-approvals.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoExceptionStore } from "../../shared/adapters/dynamodb-exceptions.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import type { DynamoTable } from "../../shared/adapters/dynamodb-table.ts";
import { SqsPlaybookDispatch } from "../../shared/adapters/sqs-playbook-dispatch.ts";
import type { ApprovalDeps } from "../../shared/domain/approvals/open.ts";
import type { HandoffDeps } from "../../shared/domain/pipeline/handoff.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { lazyLinkKey } from "./approval-links.ts";
import type { DecidingSettings } from "./deciding-config.ts";
import { EventBatchEvaluator } from "./event-batch.ts";
import type { FunctionLog } from "./log.ts";
import { RecordIntake } from "./record-intake.ts";

/**
 * The adapters of a function that decides (evaluate, ingest, expiry), built once per cold start from
 * its settings: the DynamoDB stores on vigil's table, the SNS topic, the actions queue (SQS FIFO) and
 * what acting on a decision needs. None of them acts on IAM: playbooks go to the actions queue.
 */
export interface DecidingWiring {
  readonly table: DynamoTable;
  readonly state: DynamoEventStateStore;
  readonly ledger: DynamoLedger;
  readonly exceptions: DynamoExceptionStore;
  readonly dispatch: SqsPlaybookDispatch;
  /** Opens approval requests: records them, notifies with signed links when the settings have links. */
  readonly approvals: ApprovalDeps;
  /** Acts on changed decisions (see handOff): `enforce` is the function's mode. */
  readonly handoffs: HandoffDeps;
}

/**
 * Builds the {@link DecidingWiring} of `settings`. When the settings name approval links, the link
 * secret is read when the first request is announced (see lazyLinkKey; its value is never logged).
 */
export function wireDeciding(settings: DecidingSettings): DecidingWiring {
  const region = settings.region === undefined ? {} : { region: settings.region };
  const table: DynamoTable = {
    client: DynamoDBDocumentClient.from(new DynamoDBClient(region)),
    tableName: settings.tableName,
  };
  const links =
    settings.links === undefined
      ? undefined
      : {
          baseUrl: settings.links.baseUrl,
          key: lazyLinkKey(new SecretsManagerClient(region), settings.links.linkSecretArn),
        };
  const ledger = new DynamoLedger(table);
  const notifier = new SnsNotifier(createSnsClient(region), settings.topicArn);
  const dispatch = new SqsPlaybookDispatch(new SQSClient(region), settings.actionsQueueUrl);
  const approvals: ApprovalDeps = {
    approvals: new DynamoApprovalStore(table),
    ledger,
    clock: systemClock,
    newId: randomUUID,
    policy: settings.config.approvals,
    notifier,
    ...(links === undefined ? {} : { links }),
  };
  return {
    table,
    state: new DynamoEventStateStore(table),
    ledger,
    exceptions: new DynamoExceptionStore(table),
    dispatch,
    approvals,
    handoffs: {
      enforce: settings.mode === "enforce",
      ledger,
      notifier,
      dispatch,
      approvals,
      clock: systemClock,
    },
  };
}

/**
 * The record intake of the evaluate and ingest functions: batches evaluated against the DynamoDB
 * event state with the break-glass exceptions in force, and the decisions a batch changed handed off
 * right after its commit (recorded, queued, sent for approval or notified, per the mode).
 */
export function wireIntake(
  settings: DecidingSettings,
  wiring: DecidingWiring,
  log: FunctionLog,
): RecordIntake {
  return new RecordIntake({
    mode: settings.mode,
    log,
    batch: new EventBatchEvaluator({
      config: settings.config,
      network: new AwsNetworkClassifier({ packageDir: settings.rangesDir }),
      clock: systemClock,
      store: wiring.state,
      exceptions: wiring.exceptions,
    }),
    handoffs: { store: wiring.state, deps: wiring.handoffs },
  });
}
