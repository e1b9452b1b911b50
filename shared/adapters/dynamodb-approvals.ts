import { createHash } from "node:crypto";
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { type ApprovalRequest, ApprovalRequestSchema } from "../domain/approvals/request.ts";
import type { ApprovalStore } from "../ports/approval-store.ts";
import { cancellationCodes, parseItemBody, pause, updateVersioned } from "./dynamodb-items.ts";
import { DynamoStoreError, type DynamoTable, isAwsError, queryItems, SOLE } from "./dynamodb-table.ts";

/** The approval items in vigil's table. */
export const approvalKeys = {
  /** All requests, in one partition (the sort key is the request id): `v` (the request), `ver`. */
  requests: "APPROVAL#requests",
  request: (id: string) => ({ pk: "APPROVAL#requests", sk: id }),
  /** Per request key (its sha-256): `id` of the request opened last for it. */
  latest: (key: string) => ({
    pk: `APPROVAL#key#${createHash("sha256").update(key).digest("hex")}`,
    sk: SOLE,
  }),
} as const;

/** What the adapter calls on the table (TransactWriteItems is authorized as its PutItem parts). */
export const DYNAMO_APPROVAL_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"] as const;

/** Attempts of an open while other writers keep opening a request for the same key first. */
const OPEN_ATTEMPTS = 10;

type Item = Record<string, unknown>;

/**
 * ApprovalStore on vigil's DynamoDB table. Requests live in one partition (listing them is one Query;
 * their number is what people decided, small). Beside them, one item per request key names the
 * request opened last for that key: `open` reads it, and when that request is no longer pending or has
 * expired, writes the new request and moves the pointer in one transaction conditional on the pointer
 * being unchanged, so two openers racing for one key create one request (the loser reads again and
 * gets the winner's). `update` is a versioned read-modify-write (`ver`), retried on a lost race with a
 * fresh read and a second call of `change`. IAM: {@link DYNAMO_APPROVAL_ACTIONS}.
 */
export class DynamoApprovalStore implements ApprovalStore {
  constructor(private readonly table: DynamoTable) {}

  async open(request: ApprovalRequest, at: number): Promise<{ request: ApprovalRequest; created: boolean }> {
    const { client, tableName, usage } = this.table;
    const pointer = approvalKeys.latest(request.key);
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      if (attempt > 0) await pause(attempt);
      const read = await client.send(
        new GetCommand({ TableName: tableName, Key: pointer, ConsistentRead: true }),
      );
      usage?.read(read.Item === undefined ? [] : [read.Item], read.Item === undefined ? 1 : 0);
      const latestId = read.Item === undefined ? undefined : String(read.Item.id);
      const latest = latestId === undefined ? undefined : await this.get(latestId);
      if (latest !== undefined && latest.status === "pending" && latest.expiresAt > at) {
        return { request: latest, created: false };
      }
      const stored: Item = { ...approvalKeys.request(request.id), v: JSON.stringify(request), ver: 1 };
      const moved: Item = { ...pointer, id: request.id };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: { TableName: tableName, Item: stored, ConditionExpression: "attribute_not_exists(pk)" },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: moved,
                  ...(latestId === undefined
                    ? { ConditionExpression: "attribute_not_exists(pk)" }
                    : { ConditionExpression: "id = :id", ExpressionAttributeValues: { ":id": latestId } }),
                },
              },
            ],
          }),
        );
        usage?.write([stored, moved], true);
        return { request, created: true };
      } catch (error) {
        if (!isAwsError(error, "TransactionCanceledException")) throw error;
        usage?.write([stored, moved], true);
        const [requestCode, pointerCode] = cancellationCodes(error);
        if (requestCode === "ConditionalCheckFailed" && pointerCode !== "ConditionalCheckFailed") {
          throw new DynamoStoreError(
            `cannot open approval request ${request.id}: a request with this id is already stored in ${tableName}; open it with a new id`,
            { context: { id: request.id } },
          );
        }
      }
    }
    throw new DynamoStoreError(
      `could not open an approval request for ${request.key}: other requests for it kept being opened first (${OPEN_ATTEMPTS} attempts); try again`,
    );
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const { client, tableName, usage } = this.table;
    const read = await client.send(
      new GetCommand({ TableName: tableName, Key: approvalKeys.request(id), ConsistentRead: true }),
    );
    usage?.read(read.Item === undefined ? [] : [read.Item], read.Item === undefined ? 1 : 0);
    return read.Item === undefined ? undefined : this.#parse(read.Item);
  }

  async list(): Promise<readonly ApprovalRequest[]> {
    const requests: ApprovalRequest[] = [];
    const items = queryItems(this.table, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": approvalKeys.requests },
    });
    for await (const item of items) requests.push(this.#parse(item));
    return requests.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async update<R>(
    id: string,
    change: (current: ApprovalRequest) => { readonly next?: ApprovalRequest; readonly result: R },
  ): Promise<R | undefined> {
    const done = await updateVersioned(
      this.table,
      {
        key: approvalKeys.request(id),
        parse: (item) => this.#parse(item),
        attributes: (next) => ({ v: JSON.stringify(next) }),
        what: `approval request ${id}`,
      },
      change,
    );
    return done?.result;
  }

  #parse(item: Item): ApprovalRequest {
    return parseItemBody(
      ApprovalRequestSchema,
      item.v,
      `approval request ${String(item.sk)} in ${this.table.tableName}`,
      "it cannot be shown or decided",
    );
  }
}
