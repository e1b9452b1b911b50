import { existsSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoConsoleViews } from "../adapters/console/dynamodb-console-views.ts";
import { SqliteConsoleViews } from "../adapters/console/sqlite-console-views.ts";
import { DynamoApprovalStore } from "../adapters/dynamodb-approvals.ts";
import { DynamoExceptionStore } from "../adapters/dynamodb-exceptions.ts";
import { DynamoLedger } from "../adapters/dynamodb-ledger.ts";
import { DynamoPlaybookRunStore } from "../adapters/dynamodb-playbook-runs.ts";
import { DynamoStoreError, type DynamoTable, isAwsError, keys } from "../adapters/dynamodb-table.ts";
import { SqliteApprovalStore } from "../adapters/sqlite-approvals.ts";
import { SqliteExceptionStore } from "../adapters/sqlite-exceptions.ts";
import { SqliteLedger } from "../adapters/sqlite-ledger.ts";
import { SqlitePlaybookRunStore } from "../adapters/sqlite-playbook-runs.ts";
import { StoreError } from "../adapters/sqlite-store.ts";
import { SqsPlaybookDispatch } from "../adapters/sqs-playbook-dispatch.ts";
import type { ApprovalStore } from "../ports/approval-store.ts";
import type { ConsoleViews } from "../ports/console-views.ts";
import type { ExceptionStore } from "../ports/exception-store.ts";
import type { LedgerStore } from "../ports/ledger-store.ts";
import type { PlaybookDispatch } from "../ports/playbook-dispatch.ts";
import type { PlaybookRunStore } from "../ports/playbook-run-store.ts";
import { type CliIo, type OptionValues, stringOption } from "./command.ts";
import { storePath } from "./run-context.ts";
import { UsageError } from "./usage.ts";

/**
 * The options that point a command at a deployment's DynamoDB table instead of the embedded store.
 * IAM is the authentication: the caller's own AWS credentials (default credential chain) must allow
 * the table's reads (and, for the console's forms, its writes).
 */
export const TABLE_OPTIONS = {
  table: { type: "string" },
  region: { type: "string" },
  endpoint: { type: "string" },
} as const;

/** A deployment's table: its name, region and (for an emulator) endpoint. */
export interface TableLocation {
  readonly kind: "table";
  readonly tableName: string;
  readonly region: string;
  readonly endpoint?: string;
}

/** Where the stores are: the embedded store's SQLite file, or a deployment's table. */
export type StoreLocation = { readonly kind: "file"; readonly path: string } | TableLocation;

/** The ports the console and the records commands read and change, on either kind of store. */
export interface Stores {
  readonly ledger: LedgerStore;
  readonly approvals: ApprovalStore;
  readonly exceptions: ExceptionStore;
  readonly runs: PlaybookRunStore;
  readonly views: ConsoleViews;
}

/** The ports asked for, where they are, and what closes them. */
export type OpenStores<K extends keyof Stores> = Pick<Stores, K> & {
  readonly location: StoreLocation;
  close(): void;
};

const SQLITE: { readonly [K in keyof Stores]: (path: string) => Stores[K] & { close(): void } } = {
  ledger: (path) => new SqliteLedger(path),
  approvals: (path) => new SqliteApprovalStore(path),
  exceptions: (path) => new SqliteExceptionStore(path),
  runs: (path) => new SqlitePlaybookRunStore(path),
  views: (path) => new SqliteConsoleViews(path),
};

const DYNAMO: { readonly [K in keyof Stores]: (table: DynamoTable) => Stores[K] } = {
  ledger: (table) => new DynamoLedger(table),
  approvals: (table) => new DynamoApprovalStore(table),
  exceptions: (table) => new DynamoExceptionStore(table),
  runs: (table) => new DynamoPlaybookRunStore(table),
  views: (table) => new DynamoConsoleViews(table),
};

/**
 * Reads where the stores are: `--table NAME` (with `--region`, else AWS_REGION or AWS_DEFAULT_REGION,
 * and optionally `--endpoint URL`), else the embedded store of `--store PATH` (default
 * .vigil/vigil.db), which must exist. `--table` and `--store` exclude each other.
 */
export function storeLocation(values: OptionValues, io: CliIo): StoreLocation {
  const tableName = stringOption(values, "table");
  if (tableName === undefined) {
    const path = storePath(values, io);
    if (!existsSync(path)) {
      throw new StoreError(
        `no store at ${path}: nothing has been recorded there; run 'vigil replay FILE --store ${path}' first, give the store it wrote with --store PATH, or a deployment's table with --table NAME`,
        { context: { path } },
      );
    }
    return { kind: "file", path };
  }
  if (values.store !== undefined) {
    throw new UsageError(
      "--table and --store exclude each other: --table NAME reads a deployment's DynamoDB table, --store PATH the embedded store; choose one",
    );
  }
  if (tableName.trim() === "") {
    throw new UsageError(
      "--table needs the name of the deployment's table, e.g. --table VigilStack-VigilTable…",
    );
  }
  const region = stringOption(values, "region") ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === "") {
    throw new UsageError(
      `--table ${tableName} needs the table's region: give --region REGION, or set AWS_REGION`,
    );
  }
  const endpoint = stringOption(values, "endpoint");
  return { kind: "table", tableName, region, ...(endpoint === undefined ? {} : { endpoint }) };
}

/** Where a table location is, as a message says it. */
function placeOf(location: TableLocation): string {
  return `${location.region}${location.endpoint === undefined ? "" : ` at ${location.endpoint}`}`;
}

/** SDK client settings of a table location: its region, and its endpoint when one was given. */
function clientConfig(location: TableLocation) {
  return {
    region: location.region,
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
  };
}

/**
 * A document client on the table whose every call turns ResourceNotFoundException (no such table in
 * that region) and CredentialsProviderError (no AWS credentials found) into a DynamoStoreError that
 * names the table and region and says how to fix them.
 */
function tableClient(location: TableLocation): DynamoDBDocumentClient {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(location)));
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isAwsError(error, "CredentialsProviderError")) {
          throw new DynamoStoreError(
            `no AWS credentials to read table ${location.tableName} in ${placeOf(location)} with (${(error as Error).message}); sign in the way your organization grants access to vigil's table (e.g. 'aws sso login --profile NAME' and AWS_PROFILE=NAME)`,
            { cause: error, context: { table: location.tableName, region: location.region } },
          );
        }
        if (!isAwsError(error, "ResourceNotFoundException")) throw error;
        throw new DynamoStoreError(
          `there is no DynamoDB table ${location.tableName} in ${placeOf(location)} (ResourceNotFoundException); give the name of the Vigil construct's table with --table NAME and its region with --region REGION ('aws dynamodb list-tables --region REGION' lists them)`,
          { cause: error, context: { table: location.tableName, region: location.region } },
        );
      }
    },
    { step: "initialize", name: "vigilTableErrors" },
  );
  return client;
}

/**
 * Opens the `wanted` ports on the store the options name (see {@link storeLocation}): SQLite adapters
 * on the embedded store's file, or DynamoDB adapters on a deployment's table, which is read once
 * here (the kill switch item) so that a missing table or missing credentials fail before anything is
 * served. `close` closes the ports (SQLite) or the client (DynamoDB).
 */
export async function storesOf<K extends keyof Stores>(
  values: OptionValues,
  io: CliIo,
  wanted: readonly K[],
): Promise<OpenStores<K>> {
  const location = storeLocation(values, io);
  if (location.kind === "file") {
    const opened: (Stores[K] & { close(): void })[] = [];
    try {
      for (const name of wanted) opened.push(SQLITE[name](location.path));
    } catch (error) {
      for (const port of opened) port.close();
      throw error;
    }
    const ports = Object.fromEntries(wanted.map((name, i) => [name, opened[i]])) as Pick<Stores, K>;
    return {
      ...ports,
      location,
      close: () => {
        for (const port of opened) port.close();
      },
    };
  }
  const client = tableClient(location);
  try {
    await client.send(new GetCommand({ TableName: location.tableName, Key: keys.killSwitch }));
  } catch (error) {
    client.destroy();
    throw error;
  }
  const table = { client, tableName: location.tableName };
  const ports = Object.fromEntries(wanted.map((name) => [name, DYNAMO[name](table)])) as Pick<Stores, K>;
  return { ...ports, location, close: () => client.destroy() };
}

/** The option that names a deployment's actions queue, for approvals decided against its table. */
export const DISPATCH_OPTIONS = { "actions-queue": { type: "string" } } as const;

/**
 * The dispatch that queues approved playbooks on a deployment's actions queue (`--actions-queue URL`,
 * the SQS FIFO queue the execute function reads), with the table's region and endpoint; undefined
 * without the option.
 */
export function dispatchOf(
  values: OptionValues,
  location: TableLocation,
): { dispatch: PlaybookDispatch; close(): void } | undefined {
  const queueUrl = stringOption(values, "actions-queue");
  if (queueUrl === undefined) return undefined;
  const sqs = new SQSClient(clientConfig(location));
  return { dispatch: new SqsPlaybookDispatch(sqs, queueUrl), close: () => sqs.destroy() };
}

/**
 * Who the caller is in AWS (`sts:GetCallerIdentity`, which needs no permission): against a deployment
 * the console records decisions, grants and revocations as this ARN (an assumed role's session ARN),
 * the identity the approvers of a playbook are matched against, as in the approvals API.
 */
export async function callerArnOf(location: TableLocation): Promise<string> {
  const client = new STSClient(clientConfig(location));
  try {
    const { Arn } = await client.send(new GetCallerIdentityCommand({}));
    if (Arn === undefined) throw new Error("GetCallerIdentity returned no Arn");
    return Arn;
  } catch (error) {
    throw new DynamoStoreError(
      `cannot tell who you are in AWS (sts:GetCallerIdentity in ${placeOf(location)}: ${(error as Error).name}: ${(error as Error).message}); against a deployment the console records your AWS identity: sign in first (e.g. 'aws sso login') or set AWS_PROFILE`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}
