import { GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { canonicalJson } from "../domain/ledger/canonical-json.ts";
import { sealRecord } from "../domain/ledger/chain.ts";
import { type LedgerQuery, matchesQuery } from "../domain/ledger/query.ts";
import {
  type LedgerEntry,
  LedgerError,
  type LedgerRecord,
  LedgerRecordSchema,
} from "../domain/ledger/record.ts";
import type { LedgerStore } from "../ports/ledger-store.ts";
import { cancellationCodes, pause } from "./dynamodb-items.ts";
import { DynamoStoreError, type DynamoTable, isAwsError, queryItems, SOLE } from "./dynamodb-table.ts";

/** The ledger's items in vigil's table: one head item, and the records in one partition by sequence. */
export const ledgerKeys = {
  /** Holds `seq` and `hash` of the last record: what the next append chains to. */
  head: { pk: "LEDGER#head", sk: SOLE },
  /** The partition of the records; each record's sort key is its sequence number, 15 digits. */
  records: "LEDGER#records",
  record: (seq: number) => ({ pk: "LEDGER#records", sk: String(seq).padStart(15, "0") }),
} as const;

/** What the adapter calls on the table (TransactWriteItems is authorized as its PutItem parts). */
export const DYNAMO_LEDGER_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"] as const;

/**
 * The most entries one append takes: a transaction holds at most 100 items, one of which is the head.
 * More is refused rather than split, because the port promises an append is atomic.
 */
export const MAX_LEDGER_APPEND = 99;

/** Attempts of an append while other writers keep appending first. */
const APPEND_ATTEMPTS = 25;

/**
 * The remediation ledger on vigil's DynamoDB table. A record is one item whose `v` is the record's
 * canonical JSON (the only copy of its fields, so nothing a query filters on can be changed without
 * changing what is hashed), under a zero-padded sequence number, so a Query returns the chain in
 * order. An append reads the head, seals the entries after it with the domain's `sealRecord`, and
 * writes them in ONE TransactWriteItems: every record only if its sequence number is free, the head
 * only if it still names the sequence number read. A writer that lost the race reads the new head and
 * seals again (at most 25 attempts), so concurrent appends never fork the chain and each one's records
 * stay contiguous. Appends of more than {@link MAX_LEDGER_APPEND} entries are refused.
 * IAM: {@link DYNAMO_LEDGER_ACTIONS}. The DynamoDB client belongs to the caller: `close` does nothing.
 */
export class DynamoLedger implements LedgerStore {
  constructor(private readonly table: DynamoTable) {}

  async append(entries: readonly LedgerEntry[]): Promise<readonly LedgerRecord[]> {
    if (entries.length === 0) return [];
    if (entries.length > MAX_LEDGER_APPEND) {
      throw new LedgerError(
        `cannot append ${entries.length} entries at once: DynamoDB writes at most ${MAX_LEDGER_APPEND} records in one transaction; append them in batches of at most ${MAX_LEDGER_APPEND}`,
        { context: { entries: entries.length } },
      );
    }
    const { client, tableName, usage } = this.table;
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      if (attempt > 0) await pause(attempt);
      const head = await this.#head();
      let last: Pick<LedgerRecord, "seq" | "hash"> | undefined = head;
      const sealed: LedgerRecord[] = [];
      for (const entry of entries) {
        const record = sealRecord(entry, last);
        sealed.push(record);
        last = record;
      }
      const records = sealed.map((record) => ({
        ...ledgerKeys.record(record.seq),
        v: canonicalJson(record),
      }));
      const next = { ...ledgerKeys.head, seq: last?.seq, hash: last?.hash };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: next,
                  ...(head === undefined
                    ? { ConditionExpression: "attribute_not_exists(pk)" }
                    : {
                        ConditionExpression: "#seq = :seq",
                        ExpressionAttributeNames: { "#seq": "seq" },
                        ExpressionAttributeValues: { ":seq": head.seq },
                      }),
                },
              },
              ...records.map((Item) => ({
                Put: { TableName: tableName, Item, ConditionExpression: "attribute_not_exists(pk)" },
              })),
            ],
          }),
        );
        usage?.write([next, ...records], true);
        return sealed;
      } catch (error) {
        if (!isAwsError(error, "TransactionCanceledException")) throw error;
        usage?.write([next, ...records], true);
        const codes = cancellationCodes(error);
        const [headCode = "None", ...recordCodes] = codes;
        if (headCode === "None" && recordCodes.includes("ConditionalCheckFailed")) {
          const taken = sealed[recordCodes.indexOf("ConditionalCheckFailed")]?.seq;
          throw new LedgerError(
            `ledger record ${taken} already exists in ${tableName} although the head item names record ${head?.seq ?? 0} as the last: the head item was changed outside vigil; run 'vigil records verify' and restore the table from a backup`,
            { context: { seq: taken } },
          );
        }
        if (
          !codes.every((c) => c === "None" || c === "ConditionalCheckFailed" || c === "TransactionConflict")
        ) {
          throw new DynamoStoreError(
            `appending ${entries.length} ledger records to ${tableName} was cancelled (${codes.join(", ")}); nothing was written, try again`,
            { cause: error },
          );
        }
      }
    }
    throw new DynamoStoreError(
      `could not append ${entries.length} ledger records to ${tableName}: other writers kept appending first (${APPEND_ATTEMPTS} attempts); nothing was written, try again`,
    );
  }

  async *read(query: LedgerQuery = {}): AsyncIterable<LedgerRecord> {
    for await (const item of this.#items()) {
      const parsed = LedgerRecordSchema.safeParse(bodyOf(item));
      if (!parsed.success) {
        throw new LedgerError(
          `ledger item ${String(item.sk)} in ${this.table.tableName} is not a valid record (${parsed.error.issues[0]?.message}); run 'vigil records verify' to see what happened to it`,
          { context: { item: item.sk } },
        );
      }
      if (matchesQuery(parsed.data, query)) yield parsed.data;
    }
  }

  async count(query: LedgerQuery = {}): Promise<number> {
    if (query.from === undefined && query.to === undefined && query.subject === undefined) {
      return this.#countAll();
    }
    let n = 0;
    for await (const _ of this.read(query)) n += 1;
    return n;
  }

  async *stored(): AsyncIterable<unknown> {
    for await (const item of this.#items()) yield bodyOf(item);
  }

  close(): void {}

  /** The record the next one chains to, or undefined for an empty ledger. */
  async #head(): Promise<Pick<LedgerRecord, "seq" | "hash"> | undefined> {
    const { client, tableName, usage } = this.table;
    const read = await client.send(
      new GetCommand({ TableName: tableName, Key: ledgerKeys.head, ConsistentRead: true }),
    );
    usage?.read(read.Item === undefined ? [] : [read.Item], read.Item === undefined ? 1 : 0);
    if (read.Item === undefined) return undefined;
    const { seq, hash } = read.Item;
    if (typeof seq === "number" && Number.isInteger(seq) && seq > 0 && typeof hash === "string") {
      return { seq, hash };
    }
    throw new LedgerError(
      `the ledger's head item in ${tableName} is unreadable (seq ${String(seq)}), so nothing can be chained to it; run 'vigil records verify' and restore the table from a backup`,
    );
  }

  /** Every record item in sequence order, one Query page (up to 1 MB) in memory at a time. */
  async *#items(): AsyncGenerator<Record<string, unknown>> {
    yield* queryItems(this.table, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": ledgerKeys.records },
    });
  }

  async #countAll(): Promise<number> {
    const { client, tableName } = this.table;
    let n = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": ledgerKeys.records },
          Select: "COUNT",
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      n += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return n;
  }
}

/**
 * The stored record of an item: its `v` parsed as JSON, the text itself when it is not JSON, or the
 * whole item when it has no text body (verification reports either as edited).
 */
function bodyOf(item: Record<string, unknown>): unknown {
  const text = item.v;
  if (typeof text !== "string") return item;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
