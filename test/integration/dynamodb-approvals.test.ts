import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  approvalKeys,
  DYNAMO_APPROVAL_ACTIONS,
  DynamoApprovalStore,
} from "../../shared/adapters/dynamodb-approvals.ts";
import { newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { approvalStoreContract } from "../contract/approval-store.contract.ts";
import { configOf } from "../support/context.ts";
import { exposureOf } from "../support/oncall.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { recordingClient } from "./support/dynamodb-actions.ts";

approvalStoreContract("DynamoApprovalStore (moto)", async () => {
  const tableName = await createVigilTable();
  return () => new DynamoApprovalStore({ client: dynamoClient(), tableName });
});

const T0 = Date.parse("2026-03-10T12:00:00Z");

function request(id: string, keyId = "AKIAEXAMPLE000000001") {
  const exposure = exposureOf({ decision: "needs-approval", credential: { kind: "access-key", id: keyId } });
  return newApprovalRequest(exposure, configOf().approvals, T0, id);
}

describe("DynamoApprovalStore", () => {
  it("points the request key's item at the request opened last, and refuses an id that is taken", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    const store = new DynamoApprovalStore({ client, tableName });
    const first = request("apr-1");
    await store.open(first, T0);
    const pointer = await client.send(
      new GetCommand({ TableName: tableName, Key: approvalKeys.latest(first.key) }),
    );
    expect(pointer.Item?.id).toBe("apr-1");
    await expect(store.open(request("apr-1", "AKIAEXAMPLE000000002"), T0)).rejects.toThrow(
      "cannot open approval request apr-1: a request with this id is already stored",
    );
    expect((await store.list()).map((r) => r.id)).toEqual(["apr-1"]);
  });

  it("gives up with a clear error when another writer changes the request before every write", async () => {
    const tableName = await createVigilTable();
    const client = dynamoClient();
    const store = new DynamoApprovalStore({ client, tableName });
    await store.open(request("apr-1"), T0);
    const rival = dynamoClient();
    let calls = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "PutItemCommand") {
          await rival.send(
            new UpdateCommand({
              TableName: tableName,
              Key: approvalKeys.request("apr-1"),
              UpdateExpression: "SET ver = ver + :one",
              ExpressionAttributeValues: { ":one": 1 },
            }),
          );
        }
        return next(args);
      },
      { step: "initialize", name: "rivalWriter" },
    );
    const deny = (r: ReturnType<typeof request>) => {
      calls += 1;
      return { next: { ...r, status: "denied" as const }, result: "denied" };
    };
    await expect(store.update("apr-1", deny)).rejects.toThrow(
      /approval request apr-1 in vigil-\w+ kept changing while it was being updated \(10 attempts\); nothing was written/,
    );
    expect(calls).toBe(10);
    expect((await new DynamoApprovalStore({ client: rival, tableName }).get("apr-1"))?.status).toBe(
      "pending",
    );
  });

  it("uses exactly the DynamoDB actions it declares for IAM", async () => {
    const tableName = await createVigilTable();
    const { client, actions } = recordingClient();
    const store = new DynamoApprovalStore({ client, tableName });
    await store.open(request("apr-1"), T0);
    await store.update("apr-1", (r) => ({ next: { ...r, status: "denied" as const }, result: true }));
    await store.list();
    expect([...actions].sort()).toEqual([...DYNAMO_APPROVAL_ACTIONS].sort());
  });
});
