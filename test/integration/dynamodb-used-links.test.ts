import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { TABLE_KEYS } from "../../shared/adapters/dynamodb-table.ts";
import {
  DYNAMO_USED_LINK_ACTIONS,
  DynamoUsedLinks,
  usedLinkKey,
} from "../../shared/adapters/dynamodb-used-links.ts";
import { usedLinksContract } from "../contract/used-links.contract.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { recordingClient } from "./support/dynamodb-actions.ts";

usedLinksContract("DynamoUsedLinks (moto)", async () => {
  const tableName = await createVigilTable();
  return () => new DynamoUsedLinks({ client: dynamoClient(), tableName });
});

describe("DynamoUsedLinks", () => {
  it("sets the mark's TTL attribute to the link's expiry in epoch seconds, rounded up", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    await new DynamoUsedLinks({ client, tableName }).consume("link-1", 1_773_144_000_001);
    const mark = await client.send(new GetCommand({ TableName: tableName, Key: usedLinkKey("link-1") }));
    expect(mark.Item?.[TABLE_KEYS.ttl]).toBe(1_773_144_001);
  });

  it("uses exactly the DynamoDB actions it declares for IAM", async () => {
    const tableName = await createVigilTable();
    const { client, actions } = recordingClient();
    const links = new DynamoUsedLinks({ client, tableName });
    await links.consume("link-1", 1_000);
    await links.consume("link-1", 1_000);
    expect([...actions].sort()).toEqual([...DYNAMO_USED_LINK_ACTIONS].sort());
  });
});
