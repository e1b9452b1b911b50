import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { UsedLinks } from "../ports/used-links.ts";
import { type DynamoTable, isAwsError, SOLE, TABLE_KEYS } from "./dynamodb-table.ts";

/** The used-link mark of signed link `id` in vigil's table: its TTL attribute only. */
export const usedLinkKey = (id: string) => ({ pk: `LINK#${id}`, sk: SOLE });

/** What the adapter calls on the table. */
export const DYNAMO_USED_LINK_ACTIONS = ["dynamodb:PutItem"] as const;

/**
 * UsedLinks on vigil's DynamoDB table: `consume` is one PutItem of the link's mark, only if there is
 * none, so of two requests racing with one link exactly one gets true. The mark's TTL attribute is the
 * link's expiry (epoch seconds, rounded up): DynamoDB deletes it up to about two days later, and a
 * link past its expiry no longer verifies anyway, so a deleted mark never lets a link work twice.
 * IAM: {@link DYNAMO_USED_LINK_ACTIONS}.
 */
export class DynamoUsedLinks implements UsedLinks {
  constructor(private readonly table: DynamoTable) {}

  async consume(id: string, expiresAt: number): Promise<boolean> {
    const { client, tableName, usage } = this.table;
    const item = { ...usedLinkKey(id), [TABLE_KEYS.ttl]: Math.ceil(expiresAt / 1000) };
    try {
      await client.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
      );
      usage?.write([item], false);
      return true;
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      usage?.write([item], false);
      return false;
    }
  }
}
