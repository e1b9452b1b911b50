import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod";
import { DynamoStoreError, type DynamoTable, isAwsError } from "./dynamodb-table.ts";

/*
 * What the ledger, approval, exception, used-link and exposure adapters share: reading an item's JSON
 * body back through a schema, waiting between attempts, the cancellation reasons of a transaction, and
 * the versioned read-modify-write of one item (written only while `ver` is still the one read).
 */

type Item = Record<string, unknown>;

/** Attempts of a read-modify-write while other writers keep changing the item first. */
export const UPDATE_ATTEMPTS = 10;

/**
 * Reads the JSON body `text` of an item through `schema`. A body that is not JSON or does not match is
 * a DynamoStoreError naming the item (`what`) and what that stops (`consequence`).
 */
export function parseItemBody<T extends z.ZodType>(
  schema: T,
  text: unknown,
  what: string,
  consequence: string,
): z.output<T> {
  let json: unknown;
  try {
    json = typeof text === "string" ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new DynamoStoreError(`${what} is damaged (${parsed.error.issues[0]?.message}); ${consequence}`);
  }
  return parsed.data;
}

/**
 * Waits before attempt `attempt` (1, 2, …) of a write that lost a race: a random time up to 20, 40,
 * 80 … ms (at most 1 s), so writers that collided do not collide again in step.
 */
export function pause(attempt: number): Promise<void> {
  const ceiling = Math.min(1_000, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** The cancellation reason codes of a TransactionCanceledException ("None" for an item that was fine). */
export function cancellationCodes(error: unknown): string[] {
  return ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (reason) => reason.Code ?? "None",
  );
}

/** One versioned item: where it is, how to read its body, and what to write besides key and `ver`. */
export interface VersionedItem<T> {
  readonly key: { readonly pk: string; readonly sk: string };
  /** Reads the stored body; throws on a damaged one. */
  readonly parse: (item: Item) => T;
  /** The attributes of the item holding `value` (its body and whatever queries filter on). */
  readonly attributes: (value: T) => Item;
  /** What the item is, for the error when other writers never let a change land. */
  readonly what: string;
}

/**
 * Reads the item (strongly consistent), calls `change`, and puts what it returns only while `ver` is
 * still the one read; when another writer came first, reads again and calls `change` again (at most
 * {@link UPDATE_ATTEMPTS} times). Resolves to `change`'s result, or undefined when there is no item.
 */
export async function updateVersioned<T, R>(
  table: DynamoTable,
  target: VersionedItem<T>,
  change: (current: T) => { readonly next?: T; readonly result: R },
): Promise<{ readonly result: R } | undefined> {
  const { client, tableName, usage } = table;
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(attempt);
    const read = await client.send(
      new GetCommand({ TableName: tableName, Key: target.key, ConsistentRead: true }),
    );
    usage?.read(read.Item === undefined ? [] : [read.Item], read.Item === undefined ? 1 : 0);
    if (read.Item === undefined) return undefined;
    const ver = Number(read.Item.ver);
    const { next, result } = change(target.parse(read.Item));
    if (next === undefined) return { result };
    const item = { ...target.key, ...target.attributes(next), ver: ver + 1 };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: "ver = :ver",
          ExpressionAttributeValues: { ":ver": ver },
        }),
      );
      usage?.write([item], false);
      return { result };
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      usage?.write([item], false);
    }
  }
  throw new DynamoStoreError(
    `${target.what} in ${tableName} kept changing while it was being updated (${UPDATE_ATTEMPTS} attempts); nothing was written, try again`,
  );
}
