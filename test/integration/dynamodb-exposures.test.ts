import { describe, expect, it } from "vitest";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DYNAMO_EXPOSURE_ACTIONS, DynamoStoredExposures } from "../../shared/adapters/dynamodb-exposures.ts";
import type { DynamoTable } from "../../shared/adapters/dynamodb-table.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { storedExposuresContract } from "../contract/stored-exposures.contract.ts";
import { exposureOf } from "../support/oncall.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { recordingClient } from "./support/dynamodb-actions.ts";

const NOW = Date.parse("2026-03-10T12:00:00Z");

/** Writes `exposure` under `key` as the evaluate function does: a commit naming the version it read. */
async function evaluateWrites(table: DynamoTable, key: string, exposure: Exposure): Promise<void> {
  const state = new DynamoEventStateStore(table);
  const [current] = await state.loadExposures([key]);
  const outcome = await state.commit(
    {
      processed: [],
      baselines: [],
      findings: [],
      exposures: [{ key, exposure, expected: current?.version }],
    },
    NOW,
  );
  expect(outcome.ok).toBe(true);
}

storedExposuresContract("DynamoStoredExposures (moto)", async () => {
  const table = { client: dynamoClient(), tableName: await createVigilTable() };
  return {
    open: () => new DynamoStoredExposures({ client: dynamoClient(), tableName: table.tableName }),
    write: async (exposures) => {
      for (const e of exposures) await evaluateWrites(table, `${e.credential.kind}|${e.credential.id}`, e);
    },
  };
});

const suppressedSecret = exposureOf({
  decision: "suppressed-by-exception",
  decisionReason: "suppressed by exception exc-1 (incident 4711)",
  credential: {
    kind: "secret",
    id: "arn:aws:secretsmanager:eu-central-1:111122223333:secret:prod/orders-db-AbCdEf",
  },
  principal: "arn:aws:iam::111122223333:role/reporting",
});

describe("DynamoStoredExposures", () => {
  it("replaces a secret's exposure, which the evaluate path keys by the secret's profile id", async () => {
    const table = { client: dynamoClient(), tableName: await createVigilTable() };
    await evaluateWrites(table, "secret|orders-db", suppressedSecret);
    const [read] = await new DynamoStoredExposures(table).suppressed();
    const next = { ...suppressedSecret, decision: "auto" as const };
    expect(await new DynamoStoredExposures(table).replace(read!, next)).toBe(true);
    const [stored] = await new DynamoEventStateStore(table).loadExposures(["secret|orders-db"]);
    expect(stored).toEqual({ key: "secret|orders-db", exposure: next, version: "2" });
  });

  it("makes an evaluation that read the exposure before the re-decision re-read it", async () => {
    const table = { client: dynamoClient(), tableName: await createVigilTable() };
    const key = `${suppressedSecret.credential.kind}|orders-db`;
    await evaluateWrites(table, key, suppressedSecret);
    const state = new DynamoEventStateStore(table);
    const [before] = await state.loadExposures([key]);
    const store = new DynamoStoredExposures(table);
    const [read] = await store.suppressed();
    expect(await store.replace(read!, { ...suppressedSecret, decision: "auto" })).toBe(true);
    const outcome = await state.commit(
      {
        processed: [],
        baselines: [],
        findings: [],
        exposures: [{ key, exposure: { ...suppressedSecret, findings: 2 }, expected: before?.version }],
      },
      NOW,
    );
    expect(outcome).toMatchObject({ ok: false, staleExposures: [key] });
  });

  it("names a damaged exposure item instead of returning half of it", async () => {
    const table = { client: dynamoClient(), tableName: await createVigilTable() };
    await evaluateWrites(table, "access-key|AKIAEXAMPLE000000001", {
      ...suppressedSecret,
      severity: "dire",
    } as unknown as Exposure);
    await expect(new DynamoStoredExposures(table).suppressed()).rejects.toThrow(
      /the stored exposure X#access-key\|AKIAEXAMPLE000000001 in vigil-\w+ is damaged/,
    );
  });

  it("uses exactly the DynamoDB actions it declares for IAM", async () => {
    const tableName = await createVigilTable();
    await evaluateWrites({ client: dynamoClient(), tableName }, "secret|orders-db", suppressedSecret);
    const { client, actions } = recordingClient();
    const store = new DynamoStoredExposures({ client, tableName });
    const [read] = await store.suppressed();
    await store.replace(read!, { ...suppressedSecret, decision: "auto" });
    await store.replace(suppressedSecret, { ...suppressedSecret, decision: "notify" });
    expect([...actions].sort()).toEqual([...DYNAMO_EXPOSURE_ACTIONS].sort());
  });
});
