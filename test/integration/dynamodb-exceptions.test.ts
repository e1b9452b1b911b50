import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  DYNAMO_EXCEPTION_ACTIONS,
  DynamoExceptionStore,
  exceptionKeys,
} from "../../shared/adapters/dynamodb-exceptions.ts";
import type { BreakGlassException } from "../../shared/domain/exceptions/exception.ts";
import { exceptionStoreContract } from "../contract/exception-store.contract.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { recordingClient } from "./support/dynamodb-actions.ts";

exceptionStoreContract("DynamoExceptionStore (moto)", async () => {
  const tableName = await createVigilTable();
  return () => new DynamoExceptionStore({ client: dynamoClient(), tableName });
});

const T0 = Date.parse("2026-03-10T12:00:00Z");
const granted: BreakGlassException = {
  id: "exc-1",
  scope: { kind: "principal", arn: "arn:aws:iam::111122223333:role/app" },
  playbooks: [],
  signals: [],
  reason: "incident 4711",
  grantedBy: "alice",
  grantedAt: T0,
  expiresAt: T0 + 3_600_000,
};

describe("DynamoExceptionStore", () => {
  it("keeps an exception's end (the earlier of expiry and revocation) beside it, for activeAt's filter", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    const store = new DynamoExceptionStore({ client, tableName });
    await store.insert(granted);
    const read = () =>
      client.send(new GetCommand({ TableName: tableName, Key: exceptionKeys.exception("exc-1") }));
    expect((await read()).Item).toMatchObject({ endsAt: granted.expiresAt, ver: 1 });
    await store.update("exc-1", (e) => ({ ...e, revoked: { by: "bob", reason: "over", at: T0 + 5 } }));
    expect((await read()).Item).toMatchObject({ endsAt: T0 + 5, ver: 2 });
  });

  it("uses exactly the DynamoDB actions it declares for IAM", async () => {
    const tableName = await createVigilTable();
    const { client, actions } = recordingClient();
    const store = new DynamoExceptionStore({ client, tableName });
    await store.insert(granted);
    await store.update("exc-1", (e) => ({ ...e, reason: "incident 4712" }));
    await store.activeAt(T0);
    await store.list();
    expect([...actions].sort()).toEqual([...DYNAMO_EXCEPTION_ACTIONS].sort());
  });
});
