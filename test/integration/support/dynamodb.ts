import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createVigilTableNamed } from "../../support/vigil-table.ts";
import { motoEndpoint, TEST_CREDENTIALS, TEST_REGION } from "./moto.ts";

/** A DynamoDB client on the moto server: every call is a new handle, like another Lambda instance. */
export function dynamoClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: motoEndpoint(),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    }),
  );
}

/** Creates a table with vigil's key schema and TTL attribute (as the construct does); returns its name. */
export async function createVigilTable(client: DynamoDBDocumentClient = dynamoClient()): Promise<string> {
  const name = `vigil-${randomUUID().slice(0, 8)}`;
  await createVigilTableNamed(client, name);
  return name;
}
