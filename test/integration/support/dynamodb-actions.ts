import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./dynamodb.ts";

/** The part of a transaction item that names the IAM action authorizing it. */
const TRANSACT_PARTS: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

/**
 * A DynamoDB client on moto that records the IAM actions its calls need: one per API call
 * (`GetItemCommand` → `dynamodb:GetItem`), and for a transaction the actions of its parts, which is how
 * IAM authorizes TransactWriteItems and TransactGetItems.
 */
export function recordingClient(): { client: DynamoDBDocumentClient; actions: Set<string> } {
  const client = dynamoClient();
  const actions = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "").replace(/Command$/, "");
      const input = args.input as { TransactItems?: Record<string, unknown>[] };
      if (name === "TransactWriteItems" || name === "TransactGetItems") {
        for (const item of input.TransactItems ?? []) {
          for (const part of Object.keys(item)) actions.add(TRANSACT_PARTS[part] ?? `dynamodb:${part}?`);
        }
      } else {
        actions.add(`dynamodb:${name}`);
      }
      return next(args);
    },
    { step: "initialize", name: "recordIamActions" },
  );
  return { client, actions };
}
