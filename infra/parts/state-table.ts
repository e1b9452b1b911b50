import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type { Construct } from "constructs";
import { DYNAMO_APPROVAL_ACTIONS } from "../../shared/adapters/dynamodb-approvals.ts";
import { DYNAMO_EVENT_STATE_ACTIONS } from "../../shared/adapters/dynamodb-event-state.ts";
import { DYNAMO_EXCEPTION_ACTIONS } from "../../shared/adapters/dynamodb-exceptions.ts";
import { DYNAMO_EXPOSURE_ACTIONS } from "../../shared/adapters/dynamodb-exposures.ts";
import { DYNAMO_LEDGER_ACTIONS } from "../../shared/adapters/dynamodb-ledger.ts";
import {
  DYNAMO_PLAYBOOK_RUN_ACTIONS,
  DYNAMO_RUN_LISTING_ACTIONS,
} from "../../shared/adapters/dynamodb-playbook-runs.ts";
import { TABLE_KEYS } from "../../shared/adapters/dynamodb-table.ts";
import { DYNAMO_USED_LINK_ACTIONS } from "../../shared/adapters/dynamodb-used-links.ts";

/** The union of the adapters' actions, sorted: what a function wiring those adapters may do on the table. */
function union(...lists: ReadonlyArray<readonly string[]>): readonly string[] {
  return [...new Set(lists.flat())].sort();
}

/**
 * Exactly what each function does on the table: the union of the actions the DynamoDB adapters it
 * wires declare (each adapter's list is checked against the calls it makes in moto).
 */
export const TABLE_ACTIONS = {
  /** Evaluate and ingest: the event state, and the hand-offs' records, approval requests and exceptions. */
  intake: union(
    DYNAMO_EVENT_STATE_ACTIONS,
    DYNAMO_LEDGER_ACTIONS,
    DYNAMO_APPROVAL_ACTIONS,
    DYNAMO_EXCEPTION_ACTIONS,
  ),
  /** Execute: playbook runs, locks, the cap and the kill switch, and the run's records. */
  execute: union(DYNAMO_PLAYBOOK_RUN_ACTIONS, DYNAMO_LEDGER_ACTIONS),
  /** Approvals: requests, records, used links, exceptions. */
  approvals: union(
    DYNAMO_APPROVAL_ACTIONS,
    DYNAMO_LEDGER_ACTIONS,
    DYNAMO_USED_LINK_ACTIONS,
    DYNAMO_EXCEPTION_ACTIONS,
  ),
  /** Expiry: the sweeps (requests, exceptions, stored exposures, records) and the hand-off drain. */
  expiry: union(
    DYNAMO_APPROVAL_ACTIONS,
    DYNAMO_EXCEPTION_ACTIONS,
    DYNAMO_EXPOSURE_ACTIONS,
    DYNAMO_LEDGER_ACTIONS,
    DYNAMO_EVENT_STATE_ACTIONS,
  ),
  /** Export: reads the records. */
  export: union(DYNAMO_LEDGER_ACTIONS),
  /** Seed: reads and writes baselines through the event state. */
  seed: union(DYNAMO_EVENT_STATE_ACTIONS),
  /** A reviewer's `vigil records --table` and read-only console: records, requests, exceptions, exposures, runs. */
  review: union(["dynamodb:GetItem", "dynamodb:Query"], DYNAMO_RUN_LISTING_ACTIONS, ["dynamodb:Scan"]),
  /** An on-call engineer's `vigil console --table`: the review, and deciding, granting and revoking. */
  console: union(
    ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"],
    DYNAMO_APPROVAL_ACTIONS,
    DYNAMO_LEDGER_ACTIONS,
    DYNAMO_EXCEPTION_ACTIONS,
    DYNAMO_RUN_LISTING_ACTIONS,
  ),
} as const;

/** What a function needs of the KMS key to read and write the table (no wildcard actions). */
const TABLE_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"] as const;

/**
 * vigil's one DynamoDB table (construct id `State`; key schema in dynamodb-table.ts): on demand,
 * encrypted with `key`, point-in-time recovery, TTL, deletion protection, kept when the stack goes.
 */
export function stateTable(scope: Construct, key: kms.IKey): dynamodb.Table {
  return new dynamodb.Table(scope, "State", {
    partitionKey: { name: TABLE_KEYS.partition, type: dynamodb.AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sort, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TABLE_KEYS.ttl,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** Grants `grantee` exactly `actions` on the table, and what DynamoDB needs of the key that encrypts it. */
export function grantTable(
  grantee: iam.IGrantable,
  table: dynamodb.ITable,
  key: kms.IKey,
  actions: readonly string[],
): void {
  table.grant(grantee, ...actions);
  key.grant(grantee, ...TABLE_KEY_ACTIONS);
}
