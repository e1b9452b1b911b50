import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { type BreakGlassException, ExceptionSchema, endOf } from "../domain/exceptions/exception.ts";
import type { ExceptionStore } from "../ports/exception-store.ts";
import { parseItemBody, updateVersioned } from "./dynamodb-items.ts";
import { DynamoStoreError, type DynamoTable, isAwsError, queryItems } from "./dynamodb-table.ts";

/** The exception items in vigil's table. */
export const exceptionKeys = {
  /**
   * All break-glass exceptions and quarantine lifts, in one partition (the sort key is the id):
   * `v` (the exception), `ver`, and `endsAt` (epoch ms: the earlier of expiry and revocation).
   */
  exceptions: "EXCEPTION#all",
  exception: (id: string) => ({ pk: "EXCEPTION#all", sk: id }),
} as const;

/** What the adapter calls on the table. */
export const DYNAMO_EXCEPTION_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"] as const;

type Item = Record<string, unknown>;

/**
 * ExceptionStore on vigil's DynamoDB table. Exceptions are granted by people during incidents, so
 * there are few of them: they live in one partition, and `activeAt` is one strongly consistent Query
 * of it filtered on `endsAt` (no table scan; the filter saves transfer, not read units, so the cost
 * grows with every exception ever granted — a few hundred items stay within one or two pages).
 * `insert` is a put only if the id is new; `update` a versioned read-modify-write (`ver`), retried on
 * a lost race with a fresh read and a second call of `change`. IAM: {@link DYNAMO_EXCEPTION_ACTIONS}.
 */
export class DynamoExceptionStore implements ExceptionStore {
  constructor(private readonly table: DynamoTable) {}

  async insert(exception: BreakGlassException): Promise<void> {
    const { client, tableName, usage } = this.table;
    const item = { ...exceptionKeys.exception(exception.id), ...attributesOf(exception), ver: 1 };
    try {
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
      );
      usage?.write([item], false);
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      throw new DynamoStoreError(
        `cannot store exception ${exception.id} in ${tableName}: an exception with this id exists already; nothing was granted, grant it again with a new id`,
        { cause: error, context: { id: exception.id } },
      );
    }
  }

  async get(id: string): Promise<BreakGlassException | undefined> {
    const [found] = await this.#query({ id });
    return found;
  }

  async list(): Promise<readonly BreakGlassException[]> {
    const all = await this.#query({});
    return all.sort((a, b) => b.grantedAt - a.grantedAt || byId(a, b));
  }

  async activeAt(at: number): Promise<readonly BreakGlassException[]> {
    const active = await this.#query({ endsAfter: at });
    return active.sort((a, b) => a.grantedAt - b.grantedAt || byId(a, b));
  }

  async update(
    id: string,
    change: (current: BreakGlassException) => BreakGlassException | undefined,
  ): Promise<{ before: BreakGlassException; after?: BreakGlassException } | undefined> {
    const done = await updateVersioned(
      this.table,
      {
        key: exceptionKeys.exception(id),
        parse: (item) => this.#parse(item),
        attributes: attributesOf,
        what: `exception ${id}`,
      },
      (before) => {
        const after = change(before);
        return { next: after, result: after === undefined ? { before } : { before, after } };
      },
    );
    return done?.result;
  }

  /** The exceptions of the partition: one by id, those ending after a time, or all. */
  async #query(filter: { id?: string; endsAfter?: number }): Promise<BreakGlassException[]> {
    const found: BreakGlassException[] = [];
    const items = queryItems(this.table, {
      KeyConditionExpression: filter.id === undefined ? "pk = :pk" : "pk = :pk AND sk = :sk",
      ...(filter.endsAfter === undefined ? {} : { FilterExpression: "endsAt > :at" }),
      ExpressionAttributeValues: {
        ":pk": exceptionKeys.exceptions,
        ...(filter.id === undefined ? {} : { ":sk": filter.id }),
        ...(filter.endsAfter === undefined ? {} : { ":at": filter.endsAfter }),
      },
    });
    for await (const item of items) found.push(this.#parse(item));
    return found;
  }

  #parse(item: Item): BreakGlassException {
    return parseItemBody(
      ExceptionSchema,
      item.v,
      `exception ${String(item.sk)} in ${this.table.tableName}`,
      "it cannot be applied or shown",
    );
  }
}

function attributesOf(exception: BreakGlassException): Item {
  return { v: JSON.stringify(exception), endsAt: endOf(exception) };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
