import { beforeAll } from "vitest";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
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
