import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
import { TABLE_KEYS } from "../../shared/adapters/dynamodb-table.ts";
import { playbookRunStoreContract } from "../contract/playbook-run-store.contract.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";

let tableName = "";
beforeAll(async () => {
  tableName = await createVigilTable();
});

playbookRunStoreContract(
  "DynamoPlaybookRunStore (moto)",
  () => new DynamoPlaybookRunStore({ client: dynamoClient(), tableName }),
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
