import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  DYNAMO_LEDGER_ACTIONS,
  DynamoLedger,
  ledgerKeys,
  MAX_LEDGER_APPEND,
} from "../../shared/adapters/dynamodb-ledger.ts";
import { verifyChain } from "../../shared/domain/ledger/chain.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import { LedgerError } from "../../shared/domain/ledger/record.ts";
import { ledgerStoreContract } from "../contract/ledger-store.contract.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { recordingClient } from "./support/dynamodb-actions.ts";

ledgerStoreContract("DynamoLedger (moto)", async () => {
  const tableName = await createVigilTable();
  return () => new DynamoLedger({ client: dynamoClient(), tableName });
});

const T0 = Date.parse("2026-03-10T12:00:00Z");

function entry(n: number) {
  return ledgerEntry({
    at: T0 + n * 1_000,
    actor: { kind: "human", id: "alice" },
    action: "approval-decided",
    subject: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
    reason: `vote ${n}`,
    change: { n },
  });
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const stored = (ledger: DynamoLedger) => all(ledger.stored());

describe("DynamoLedger", () => {
  it("keeps each record's canonical JSON under its 15-digit sequence number and the head on the last one", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    const [, second] = await new DynamoLedger({ client, tableName }).append([entry(1), entry(2)]);
    const head = await client.send(new GetCommand({ TableName: tableName, Key: ledgerKeys.head }));
    expect(head.Item).toMatchObject({ seq: 2, hash: second?.hash });
    const record = await client.send(new GetCommand({ TableName: tableName, Key: ledgerKeys.record(2) }));
    expect(record.Item).toEqual({ pk: "LEDGER#records", sk: "000000000000002", v: expect.any(String) });
    expect(JSON.parse(String(record.Item?.v))).toEqual(second);
  });

  it("lets the domain's verifyChain find a record edited or deleted in the table", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    const ledger = new DynamoLedger({ client, tableName });
    const records = await ledger.append([entry(1), entry(2), entry(3)]);
    expect(await verifyChain(() => ledger.stored())).toEqual({
      intact: true,
      count: 3,
      head: records[2]?.hash,
    });

    const edited = { ...records[1], reason: "nobody voted" };
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...ledgerKeys.record(2), v: JSON.stringify(edited) } }),
    );
    expect(await verifyChain(() => ledger.stored())).toMatchObject({
      intact: false,
      problem: { kind: "edited", seq: 2 },
    });

    await client.send(new PutCommand({ TableName: tableName, Item: { ...ledgerKeys.record(2), v: "{" } }));
    await expect(all(ledger.read())).rejects.toThrow(/ledger item 000000000000002 .* is not a valid record/);
    expect(await verifyChain(() => ledger.stored())).toMatchObject({
      intact: false,
      problem: { kind: "edited" },
    });

    await client.send(new DeleteCommand({ TableName: tableName, Key: ledgerKeys.record(2) }));
    expect(await verifyChain(() => ledger.stored())).toMatchObject({
      intact: false,
      problem: { kind: "deleted", seq: 2 },
    });
  });

  it(`writes ${MAX_LEDGER_APPEND} entries in one transaction and refuses more, writing nothing`, async () => {
    const tableName = await createVigilTable();
    const ledger = new DynamoLedger({ client: dynamoClient(), tableName });
    const many = Array.from({ length: MAX_LEDGER_APPEND + 1 }, (_, i) => entry(i));
    await expect(ledger.append(many)).rejects.toThrow(
      `cannot append ${MAX_LEDGER_APPEND + 1} entries at once: DynamoDB writes at most ${MAX_LEDGER_APPEND} records in one transaction`,
    );
    expect(await ledger.count()).toBe(0);
    expect(await ledger.append(many.slice(1))).toHaveLength(MAX_LEDGER_APPEND);
    expect(await verifyChain(() => ledger.stored())).toMatchObject({
      intact: true,
      count: MAX_LEDGER_APPEND,
    });
  });

  it("refuses to chain past a record whose sequence number the head does not know, naming it", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    const ledger = new DynamoLedger({ client, tableName });
    const [first] = await ledger.append([entry(1), entry(2), entry(3)]);
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...ledgerKeys.head, seq: 1, hash: first?.hash } }),
    );
    const refused = ledger.append([entry(4)]);
    await expect(refused).rejects.toThrow(LedgerError);
    await expect(refused).rejects.toThrow(/ledger record 2 already exists .* head item names record 1/);
    expect(await ledger.count()).toBe(3);
  });

  it("uses exactly the DynamoDB actions it declares for IAM", async () => {
    const tableName = await createVigilTable();
    const { client, actions } = recordingClient();
    const ledger = new DynamoLedger({ client, tableName });
    await ledger.append([entry(1)]);
    await ledger.count();
    await ledger.count({ subject: "AKIAEXAMPLE000000001" });
    await stored(ledger);
    expect([...actions].sort()).toEqual([...DYNAMO_LEDGER_ACTIONS].sort());
  });
});
