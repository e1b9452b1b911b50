import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type {
  KillSwitch,
  PlaybookRunStore,
  RunRecord,
  RunStatus,
  StepRecord,
} from "../ports/playbook-run-store.ts";
import {
  DynamoStoreError,
  type DynamoTable,
  isAwsError,
  keys,
  queryItems,
  SOLE,
  scanItems,
} from "./dynamodb-table.ts";
import { killSwitch, runStatus, stepRecord } from "./playbook-run-schemas.ts";

/** The immutable part of a run, kept as JSON in the run item; status and updatedAt are attributes. */
const runHeader = z.object({
  id: z.string(),
  key: z.string(),
  playbook: z.string(),
  principal: z.string(),
  account: z.string(),
  credential: z.string(),
  reason: z.string(),
  createdAt: z.number(),
});
/** Claimed destructive actions of one account: [runId, step index, at]. */
const claims = z.array(z.tuple([z.string(), z.number().int(), z.number()]));

/** Runs with the same plan looked at when resuming: the newest first. */
const RUNS_PER_KEY = 20;
/** Attempts of a claim while other claims of the same account land first. */
const CLAIM_ATTEMPTS = 10;

/** The IAM actions this adapter uses on the table (TransactWriteItems is authorized as its parts). */
export const DYNAMO_PLAYBOOK_RUN_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
] as const;

/** What `allRuns` needs besides GetItem: the console's listing only, never granted to the functions. */
export const DYNAMO_RUN_LISTING_ACTIONS = ["dynamodb:Scan"] as const;

/**
 * PlaybookRunStore on vigil's DynamoDB table (key schema in dynamodb-table.ts). A run is one item
 * plus one item per step in the run's partition, so reading a run is one query; a plan's runs are
 * found through an index item per run under the hash of the plan. The guards are conditional writes:
 * a subject's lock is put only when absent, expired or already held by the same run; the destructive
 * actions of an account are one versioned item, so two runs claiming the last action cannot both
 * get it (the loser reads again and counts again). Claims older than the window are dropped from it.
 */
export class DynamoPlaybookRunStore implements PlaybookRunStore {
  constructor(private readonly table: DynamoTable) {}

  async createRun(run: RunRecord): Promise<void> {
    const { client, tableName } = this.table;
    const { steps, status, updatedAt, ...header } = run;
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { pk: keys.run(run.id), sk: SOLE, v: JSON.stringify(header), status, updatedAt },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: {
                pk: keys.runKey(run.key),
                sk: `${String(run.createdAt).padStart(15, "0")}#${run.id}`,
                runId: run.id,
              },
            },
          },
          ...steps.map((step) => ({
            Put: { TableName: tableName, Item: stepItem(run.id, step) },
          })),
        ],
      }),
    );
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const items: Record<string, unknown>[] = [];
    const pages = queryItems(this.table, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.run(id) },
    });
    for await (const item of pages) items.push(item);
    return this.#assemble(id, items);
  }

  /**
   * Every run with its steps, newest first: what the console lists against a deployment. Runs are not
   * indexed by time, so this is one strongly consistent, paginated Scan filtered to run and step items
   * (`R#…`); it reads (and bills) the whole table, acceptable for a person opening a page, never for
   * the executor. IAM: {@link DYNAMO_RUN_LISTING_ACTIONS}.
   */
  async allRuns(): Promise<readonly RunRecord[]> {
    const byRun = new Map<string, Record<string, unknown>[]>();
    const items = scanItems(this.table, {
      FilterExpression: "begins_with(pk, :prefix)",
      ExpressionAttributeValues: { ":prefix": keys.run("") },
    });
    for await (const item of items) {
      const pk = String(item.pk);
      const group = byRun.get(pk);
      if (group === undefined) byRun.set(pk, [item]);
      else group.push(item);
    }
    const runs: RunRecord[] = [];
    for (const [pk, items] of byRun) {
      const run = this.#assemble(pk.slice(keys.run("").length), items);
      if (run !== undefined) runs.push(run);
    }
    return runs.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The run of `id` from the items of its partition; undefined when its run item is missing. */
  #assemble(id: string, items: readonly Record<string, unknown>[]): RunRecord | undefined {
    const { tableName } = this.table;
    const head = items.find((item) => item.sk === SOLE);
    if (head === undefined) return undefined;
    const header = runHeader.parse(JSON.parse(String(head.v)));
    const steps = items
      .filter((item) => item.sk !== SOLE)
      .map((item) => {
        const parsed = stepRecord.safeParse(JSON.parse(String(item.v)));
        if (!parsed.success) {
          throw new DynamoStoreError(
            `step record ${String(item.sk)} of run ${id} in ${tableName} is damaged (${parsed.error.issues[0]?.message}); the run cannot be resumed or undone by vigil`,
          );
        }
        return parsed.data;
      })
      .sort((a, b) => a.index - b.index);
    return {
      ...header,
      status: runStatus.parse(head.status),
      updatedAt: Number(head.updatedAt),
      steps,
    };
  }

  async findUnfinished(key: string): Promise<RunRecord | undefined> {
    const { client, tableName } = this.table;
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.runKey(key) },
        ScanIndexForward: false,
        Limit: RUNS_PER_KEY,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const run = await this.getRun(String(item.runId));
      if (run?.status === "running") return run;
    }
    return undefined;
  }

  async saveStep(runId: string, step: StepRecord, at: number): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: stepItem(runId, step) } },
          {
            Update: {
              TableName: tableName,
              Key: { pk: keys.run(runId), sk: SOLE },
              UpdateExpression: "SET updatedAt = :at",
              ExpressionAttributeValues: { ":at": at },
            },
          },
        ],
      }),
    );
  }

  async setRunStatus(runId: string, status: RunStatus, at: number): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: keys.run(runId), sk: SOLE },
        UpdateExpression: "SET #status = :status, updatedAt = :at",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": status, ":at": at },
      }),
    );
  }

  async acquireLock(subject: string, runId: string, now: number, ttlMs: number): Promise<string | undefined> {
    const { client, tableName } = this.table;
    const until = now + ttlMs;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.lock(subject), runId, until, expiresAt: Math.ceil(until / 1000) },
            ConditionExpression: "attribute_not_exists(pk) OR runId = :me OR #until <= :now",
            ExpressionAttributeNames: { "#until": "until" },
            ExpressionAttributeValues: { ":me": runId, ":now": now },
          }),
        );
        return undefined;
      } catch (error) {
        if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      }
      const holder = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.lock(subject), ConsistentRead: true }),
      );
      // Released between the write and the read: try again.
      if (holder.Item !== undefined) return String(holder.Item.runId);
    }
    return "another run";
  }

  async releaseLock(subject: string, runId: string): Promise<void> {
    const { client, tableName } = this.table;
    try {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: keys.lock(subject),
          ConditionExpression: "runId = :me",
          ExpressionAttributeValues: { ":me": runId },
        }),
      );
    } catch (error) {
      // Held by another run (or by nobody): not ours to release.
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    }
  }

  async claimAction(
    account: string,
    runId: string,
    index: number,
    at: number,
    since: number,
    cap: number,
  ): Promise<{ granted: boolean; used: number }> {
    const { client, tableName } = this.table;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const read = await client.send(
        new GetCommand({ TableName: tableName, Key: keys.actions(account), ConsistentRead: true }),
      );
      const current = read.Item === undefined ? [] : claims.parse(JSON.parse(String(read.Item.v)));
      const inWindow = current.filter(([, , claimedAt]) => claimedAt >= since);
      const used = inWindow.length;
      if (current.some(([r, i]) => r === runId && i === index)) return { granted: true, used };
      if (used >= cap) return { granted: false, used };
      const ver = read.Item === undefined ? undefined : Number(read.Item.ver);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.actions(account),
              v: JSON.stringify([...inWindow, [runId, index, at]]),
              ver: (ver ?? 0) + 1,
            },
            ...(ver === undefined
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : { ConditionExpression: "ver = :ver", ExpressionAttributeValues: { ":ver": ver } }),
          }),
        );
        return { granted: true, used: used + 1 };
      } catch (error) {
        if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      }
    }
    throw new DynamoStoreError(
      `could not claim a destructive action in account ${account} after ${CLAIM_ATTEMPTS} attempts: other runs kept claiming at the same time; run the playbook again`,
    );
  }

  async killSwitch(): Promise<KillSwitch | undefined> {
    const { client, tableName } = this.table;
    const read = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.killSwitch, ConsistentRead: true }),
    );
    return read.Item === undefined ? undefined : killSwitch.parse(JSON.parse(String(read.Item.v)));
  }

  async setKillSwitch(state: KillSwitch | undefined): Promise<void> {
    const { client, tableName } = this.table;
    if (state === undefined) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: keys.killSwitch }));
    } else {
      await client.send(
        new PutCommand({ TableName: tableName, Item: { ...keys.killSwitch, v: JSON.stringify(state) } }),
      );
    }
  }
}

function stepItem(runId: string, step: StepRecord): Record<string, unknown> {
  return { pk: keys.run(runId), sk: keys.step(step.index), v: JSON.stringify(step) };
}
