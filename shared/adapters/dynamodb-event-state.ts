import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Exposure, ExposureFacts, Finding } from "../domain/finding.ts";
import {
  type BaselineRef,
  type CommitOutcome,
  commitSize,
  DEFAULT_MARK_TTL_MS,
  type EventStateStore,
  exposureKey,
  type Handoff,
  MAX_COMMIT_ITEMS,
  refId,
  type StateChanges,
  type StoredFinding,
  type VersionedBaseline,
  type VersionedExposure,
} from "../ports/event-state-store.ts";
import {
  backoff,
  DynamoStoreError,
  type DynamoTable,
  isAwsError,
  keys,
  TABLE_KEYS,
} from "./dynamodb-table.ts";

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };
type WriteOp = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The IAM actions this adapter uses on the table (TransactWriteItems is authorized as its PutItem parts). */
export const DYNAMO_EVENT_STATE_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:DeleteItem",
] as const;

/** Keys per BatchGetItem request (DynamoDB's limit). */
const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_ROUNDS = 8;

/** What each item of a commit is, to map a cancellation reason back to it. */
type Written =
  | { kind: "mark"; eventId: string }
  | { kind: "baseline"; ref: BaselineRef }
  | { kind: "finding" }
  | { kind: "exposure"; key: string }
  | { kind: "handoff" };

/**
 * The EventStateStore on vigil's DynamoDB table (see dynamodb-table.ts for the key schema). Reads are
 * strongly consistent BatchGetItem calls (100 keys each, unprocessed keys retried); a commit is one
 * TransactWriteItems call — or a single conditional PutItem when it holds one item — whose conditions
 * are: a mark must be absent or expired, a baseline or exposure must still have the version it was read
 * at. A cancelled transaction is mapped back to the stale items, so the caller re-reads only those.
 */
export class DynamoEventStateStore implements EventStateStore {
  constructor(
    private readonly table: DynamoTable,
    private readonly markTtlMs = DEFAULT_MARK_TTL_MS,
  ) {}

  async loadBaselines(refs: readonly BaselineRef[]): Promise<VersionedBaseline[]> {
    const items = await this.#batchGet(refs.map((r) => keys.baseline(r.namespace, r.key)));
    const out: VersionedBaseline[] = [];
    for (const ref of refs) {
      const item = items.get(keys.baseline(ref.namespace, ref.key).pk);
      if (item !== undefined) {
        out.push({ ...ref, value: JSON.parse(String(item.v)), version: String(item.ver) });
      }
    }
    return out;
  }

  async processed(eventIds: readonly string[], now: number): Promise<Set<string>> {
    const items = await this.#batchGet(eventIds.map(keys.mark));
    return new Set(
      eventIds.filter((id) => {
        const item = items.get(keys.mark(id).pk);
        return item !== undefined && Number(item[TABLE_KEYS.ttl]) * 1000 > now;
      }),
    );
  }

  async loadExposures(exposureKeys: readonly string[]): Promise<VersionedExposure[]> {
    const items = await this.#batchGet(exposureKeys.map(keys.exposure));
    const out: VersionedExposure[] = [];
    for (const key of exposureKeys) {
      const item = items.get(keys.exposure(key).pk);
      if (item !== undefined) {
        out.push({ key, exposure: JSON.parse(String(item.v)) as Exposure, version: String(item.ver) });
      }
    }
    return out;
  }

  async findingsOf(key: string, limit: number): Promise<StoredFinding[]> {
    const { client, tableName, usage } = this.table;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.findings(key) },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const items = result.Items ?? [];
    usage?.query(items);
    return items.map((item) => ({
      finding: JSON.parse(String(item.v)) as Finding,
      facts: JSON.parse(String(item.facts)) as ExposureFacts,
    }));
  }

  async commit(changes: StateChanges, now: number): Promise<CommitOutcome> {
    const size = commitSize(changes);
    if (size > MAX_COMMIT_ITEMS) {
      throw new DynamoStoreError(
        `a commit of ${size} items exceeds the limit of ${MAX_COMMIT_ITEMS} (TransactWriteItems); split the batch before committing`,
      );
    }
    const { tableName } = this.table;
    const ops: WriteOp[] = [];
    const written: Written[] = [];
    const expiresAt = Math.ceil((now + this.markTtlMs) / 1000);
    for (const eventId of changes.processed) {
      ops.push({
        Put: {
          TableName: tableName,
          Item: { ...keys.mark(eventId), [TABLE_KEYS.ttl]: expiresAt },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
          ExpressionAttributeValues: { ":now": Math.floor(now / 1000) },
        },
      });
      written.push({ kind: "mark", eventId });
    }
    const baselineVersions = new Map<string, string>();
    for (const b of changes.baselines) {
      const ver = b.expected === undefined ? 1 : Number(b.expected) + 1;
      ops.push(
        versioned(
          tableName,
          { ...keys.baseline(b.namespace, b.key), v: JSON.stringify(b.value) },
          b.expected,
        ),
      );
      written.push({ kind: "baseline", ref: { namespace: b.namespace, key: b.key } });
      baselineVersions.set(refId(b), String(ver));
    }
    for (const { finding, facts } of changes.findings) {
      const credential = `${finding.credential.kind}|${finding.credential.id}`;
      ops.push({
        Put: {
          TableName: tableName,
          Item: {
            pk: keys.findings(exposureKey(facts)),
            sk: `${finding.eventTime}#${finding.eventId}#${credential}`,
            v: JSON.stringify(finding),
            facts: JSON.stringify(facts),
          },
        },
      });
      written.push({ kind: "finding" });
    }
    const exposureVersions = new Map<string, string>();
    for (const e of changes.exposures) {
      ops.push(versioned(tableName, { ...keys.exposure(e.key), v: JSON.stringify(e.exposure) }, e.expected));
      written.push({ kind: "exposure", key: e.key });
      exposureVersions.set(e.key, String(e.expected === undefined ? 1 : Number(e.expected) + 1));
    }
    for (const handoff of changes.handoffs ?? []) {
      ops.push({
        Put: {
          TableName: tableName,
          Item: { ...keys.handoff(handoff.at, handoff.id), v: JSON.stringify(handoff) },
        },
      });
      written.push({ kind: "handoff" });
    }
    if (ops.length === 0) return { ok: true, baselineVersions, exposureVersions };
    const refused = await this.#write(ops, written);
    return refused ?? { ok: true, baselineVersions, exposureVersions };
  }

  async pendingHandoffs(limit: number): Promise<Handoff[]> {
    const { client, tableName, usage } = this.table;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.handoffs },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const items = result.Items ?? [];
    usage?.query(items);
    return items.map((item) => JSON.parse(String(item.v)) as Handoff);
  }

  async completeHandoff(handoff: Handoff): Promise<void> {
    const { client, tableName, usage } = this.table;
    const key = keys.handoff(handoff.at, handoff.id);
    await client.send(new DeleteCommand({ TableName: tableName, Key: key }));
    usage?.write([key], false);
  }

  /** Writes `ops` all or nothing; returns the refusal when a condition failed. */
  async #write(ops: WriteOp[], written: Written[]): Promise<CommitOutcome | undefined> {
    const { client, usage } = this.table;
    const single = ops.length === 1 ? ops[0]?.Put : undefined;
    try {
      if (single !== undefined) await client.send(new PutCommand(single));
      else await client.send(new TransactWriteCommand({ TransactItems: ops }));
      usage?.write(
        ops.map((op) => op.Put?.Item ?? {}),
        single === undefined,
      );
      return undefined;
    } catch (error) {
      if (single !== undefined && isAwsError(error, "ConditionalCheckFailedException")) {
        usage?.write([single.Item ?? {}], false);
        return refusal(
          written.map(() => "ConditionalCheckFailed"),
          written,
        );
      }
      if (isAwsError(error, "TransactionCanceledException")) {
        const reasons = (
          (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []
        ).map((r) => r.Code ?? "None");
        const unexpected = reasons.find(
          (code) => code !== "None" && code !== "ConditionalCheckFailed" && code !== "TransactionConflict",
        );
        if (unexpected === undefined && reasons.some((code) => code !== "None")) {
          return refusal(reasons, written);
        }
        throw new DynamoStoreError(
          `writing ${ops.length} items to ${this.table.tableName} was cancelled (${reasons.join(", ")}); the batch is retried by SQS`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** BatchGetItem of `wanted` (deduplicated, strongly consistent), by partition key. */
  async #batchGet(wanted: readonly Key[]): Promise<Map<string, Item>> {
    const { client, tableName, usage } = this.table;
    const unique = [...new Map(wanted.map((k) => [k.pk, k])).values()];
    const found = new Map<string, Item>();
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let pending: Key[] = unique.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) {
          throw new DynamoStoreError(
            `${tableName} left ${pending.length} keys unprocessed after ${round} attempts (throttled); the batch is retried by SQS`,
          );
        }
        if (round > 0) await backoff(round);
        const result = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        const items = result.Responses?.[tableName] ?? [];
        for (const item of items) found.set(String(item.pk), item);
        const left = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
        usage?.read(items, pending.length - items.length - left.length);
        pending = left;
      }
    }
    return found;
  }
}

/** A put of a versioned item: absent when `expected` is undefined, else still at `expected`. */
function versioned(tableName: string, item: Item, expected: string | undefined): WriteOp {
  const ver = expected === undefined ? 1 : Number(expected) + 1;
  return {
    Put: {
      TableName: tableName,
      Item: { ...item, ver },
      ...(expected === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : { ConditionExpression: "ver = :ver", ExpressionAttributeValues: { ":ver": Number(expected) } }),
    },
  };
}

function refusal(reasons: readonly string[], written: readonly Written[]): CommitOutcome {
  const duplicates: string[] = [];
  const staleBaselines: BaselineRef[] = [];
  const staleExposures: string[] = [];
  for (const [index, code] of reasons.entries()) {
    if (code === "None") continue;
    const item = written[index];
    // A mark in a conflicting transaction is not known to be processed: the retry reads it again.
    if (item?.kind === "mark") {
      if (code === "ConditionalCheckFailed") duplicates.push(item.eventId);
    } else if (item?.kind === "baseline") staleBaselines.push(item.ref);
    else if (item?.kind === "exposure") staleExposures.push(item.key);
  }
  return { ok: false, duplicates, staleBaselines, staleExposures };
}
