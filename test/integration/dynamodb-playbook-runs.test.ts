import { beforeAll } from "vitest";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
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
