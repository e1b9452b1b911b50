import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { TABLE_KEYS } from "../../shared/adapters/dynamodb-table.ts";
import { CONTRACT_MARK_TTL_MS, eventStateStoreContract } from "../contract/event-state-store.contract.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";

let tableName = "";
beforeAll(async () => {
  tableName = await createVigilTable();
});

eventStateStoreContract(
  "DynamoEventStateStore (moto)",
  () => new DynamoEventStateStore({ client: dynamoClient(), tableName }, CONTRACT_MARK_TTL_MS),
);

describe("the table the contract runs on", () => {
  it("has vigil's key schema and TTL attribute, as the construct creates it", async () => {
    const client = dynamoClient();
    const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.partition, KeyType: "HASH" },
      { AttributeName: TABLE_KEYS.sort, KeyType: "RANGE" },
    ]);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TABLE_KEYS.ttl);
  });
});
