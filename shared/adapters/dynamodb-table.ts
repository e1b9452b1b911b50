import { createHash } from "node:crypto";
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { VigilError } from "../domain/errors.ts";

/**
 * vigil's one DynamoDB table (single-table design). Every item has a string partition key `pk` and a
 * string sort key `sk` ("#" when an item is alone in its partition); `expiresAt` (epoch seconds) is
 * the TTL attribute, set on items that may disappear (DynamoDB deletes them within about two days
 * after, so readers also check it). Values are JSON strings in `v`, so a baseline keeps its exact
 * shape; `ver` is a number incremented on each write of a versioned item (conditional writes).
 *
 * | item                   | pk                        | sk                                   | attributes                  |
 * | ---------------------- | ------------------------- | ------------------------------------ | --------------------------- |
 * | learned baseline       | `B#<namespace>#<key>`     | `#`                                  | v, ver                      |
 * | processed event (mark) | `E#<eventId>`             | `#`                                  | expiresAt                   |
 * | finding                | `F#<exposure key>`        | `<eventTime>#<eventId>#<credential>` | v (finding), facts          |
 * | exposure               | `X#<exposure key>`        | `#`                                  | v, ver                      |
 * | playbook run           | `R#<runId>`               | `#`                                  | v (run without steps)       |
 * | playbook run step      | `R#<runId>`               | `S#<index, 4 digits>`                | v                           |
 * | run by plan            | `K#<sha256 of the run key>` | `<createdAt, 15 digits>#<runId>`   | runId                       |
 * | subject lock           | `L#<subject>`             | `#`                                  | runId, until, expiresAt     |
 * | destructive actions    | `C#<account>`             | `#`                                  | v (claims), ver             |
 * | kill switch            | `FLAG#kill-switch`        | `#`                                  | v                           |
 * | pending hand-off       | `H#pending`               | `<at, 15 digits>#<handoff id>`       | v                           |
 * | ledger head            | `LEDGER#head`             | `#`                                  | seq, hash                   |
 * | ledger record          | `LEDGER#records`          | `<seq, 15 digits>`                   | v (canonical JSON)          |
 * | approval request       | `APPROVAL#requests`       | `<request id>`                       | v, ver                      |
 * | open request of a key  | `APPROVAL#key#<sha256 of the key>` | `#`                         | id                          |
 * | break-glass exception  | `EXCEPTION#all`           | `<exception id>`                     | v, ver, endsAt (ms)         |
 * | used signed link       | `LINK#<link id>`          | `#`                                  | expiresAt                   |
 */
export const TABLE_KEYS = { partition: "pk", sort: "sk", ttl: "expiresAt" } as const;

/** The sort key of an item alone in its partition. */
export const SOLE = "#";

export const keys = {
  baseline: (namespace: string, key: string) => ({ pk: `B#${namespace}#${key}`, sk: SOLE }),
  mark: (eventId: string) => ({ pk: `E#${eventId}`, sk: SOLE }),
  findings: (exposureKey: string) => `F#${exposureKey}`,
  exposure: (exposureKey: string) => ({ pk: `X#${exposureKey}`, sk: SOLE }),
  run: (runId: string) => `R#${runId}`,
  step: (index: number) => `S#${String(index).padStart(4, "0")}`,
  runKey: (key: string) => `K#${createHash("sha256").update(key).digest("hex")}`,
  lock: (subject: string) => ({ pk: `L#${subject}`, sk: SOLE }),
  actions: (account: string) => ({ pk: `C#${account}`, sk: SOLE }),
  killSwitch: { pk: "FLAG#kill-switch", sk: SOLE },
  handoffs: "H#pending",
  handoff: (at: number, id: string) => ({ pk: "H#pending", sk: `${String(at).padStart(15, "0")}#${id}` }),
} as const;

/** A DynamoDB call failed in a way a retry of the batch will not fix on its own. */
export class DynamoStoreError extends VigilError {
  override name = "DynamoStoreError";
}

/** The document client and table an adapter works on, and where it counts what it used. */
export interface DynamoTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Counts requests, items and capacity units; optional. */
  readonly usage?: DynamoUsage;
}

/**
 * Requests, items and (estimated) capacity units an adapter used. Units follow DynamoDB's published
 * rules from the items' sizes: a strongly consistent read costs 1 unit per 4 KB of each item (a missing
 * item 1), a query 1 per 4 KB of everything it returned; a write 1 unit per KB, twice that inside a
 * transaction. (The emulator's own ConsumedCapacity is not accurate enough to report.)
 */
export class DynamoUsage {
  readRequests = 0;
  itemsRead = 0;
  readUnits = 0;
  writeRequests = 0;
  itemsWritten = 0;
  writeUnits = 0;

  /** A strongly consistent read of items by key: `found` are the items returned, `missing` how many were absent. */
  read(found: readonly Record<string, unknown>[], missing: number): void {
    this.readRequests++;
    this.itemsRead += found.length + missing;
    for (const item of found) this.readUnits += Math.max(1, Math.ceil(itemSize(item) / 4096));
    this.readUnits += missing;
  }

  /** A strongly consistent query returning `items`. */
  query(items: readonly Record<string, unknown>[]): void {
    this.readRequests++;
    this.itemsRead += items.length;
    const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
    this.readUnits += Math.max(1, Math.ceil(bytes / 4096));
  }

  /** One write request of `items` (one item for a put or delete). */
  write(items: readonly Record<string, unknown>[], transaction: boolean): void {
    this.writeRequests++;
    this.itemsWritten += items.length;
    for (const item of items) {
      this.writeUnits += Math.max(1, Math.ceil(itemSize(item) / 1024)) * (transaction ? 2 : 1);
    }
  }
}

/** The size DynamoDB bills for an item: attribute names plus values (UTF-8 strings, numbers ~ digits / 2). */
export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number") return Math.ceil(String(value).replace(/[-.]/g, "").length / 2) + 1;
  if (typeof value === "boolean" || value === null || value === undefined) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === "object") return 3 + itemSize(value as Record<string, unknown>);
  return 0;
}

/** Whether `error` is the SDK's error `name`. */
export function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Waits before retrying unprocessed keys or items: 25, 50, 100 … ms, at most 1 s. */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
}

type Item = Record<string, unknown>;

/** Every item of the pages `read` returns, asking for the next page until there is none. */
async function* paged(
  table: DynamoTable,
  read: (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const page = await read(start);
    const items = page.Items ?? [];
    table.usage?.query(items);
    yield* items;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/**
 * Every item a strongly consistent Query of `input` returns, page after page (one page, at most 1 MB,
 * in memory at a time), counted in the table's usage.
 */
export function queryItems(
  table: DynamoTable,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "ConsistentRead">,
): AsyncGenerator<Item> {
  return paged(table, (start) =>
    table.client.send(
      new QueryCommand({
        ...input,
        TableName: table.tableName,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    ),
  );
}

/**
 * Every item a strongly consistent Scan of `input` returns past its filter, page after page. A Scan
 * reads (and bills) the whole table: for people listing things, never for the event path. The usage
 * counts what it returned, not what DynamoDB read.
 */
export function scanItems(
  table: DynamoTable,
  input: Omit<ScanCommandInput, "TableName" | "ExclusiveStartKey" | "ConsistentRead">,
): AsyncGenerator<Item> {
  return paged(table, (start) =>
    table.client.send(
      new ScanCommand({
        ...input,
        TableName: table.tableName,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    ),
  );
}
