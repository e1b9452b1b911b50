import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoConsoleViews } from "../../shared/adapters/console/dynamodb-console-views.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoLedger } from "../../shared/adapters/dynamodb-ledger.ts";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
import { keys } from "../../shared/adapters/dynamodb-table.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import { hostileExposure, keyExposure, quarantineRun } from "../support/console-store.ts";
import { exposureOf } from "../support/oncall.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";

const T0 = Date.parse("2026-03-10T12:00:00.000Z");

async function table() {
  return { client: dynamoClient(), tableName: await createVigilTable() };
}

describe("DynamoConsoleViews", () => {
  it("lists every stored exposure, whatever its decision, highest score first", async () => {
    const t = await table();
    const suppressed = exposureOf({
      decision: "suppressed-by-exception",
      score: 60,
      credential: { kind: "access-key", id: "AKIAEXAMPLE000000009" },
    });
    const outcome = await new DynamoEventStateStore(t).commit(
      {
        processed: [],
        baselines: [],
        findings: [],
        exposures: [
          { key: "access-key|AKIAEXAMPLE000000001", exposure: keyExposure(), expected: undefined },
          { key: "access-key|AKIAEXAMPLE000000009", exposure: suppressed, expected: undefined },
          { key: "role-session|etl", exposure: hostileExposure(), expected: undefined },
        ],
      },
      T0,
    );
    expect(outcome.ok).toBe(true);
    await new DynamoPlaybookRunStore(t).createRun(quarantineRun("run-1", T0, false));
    const views = new DynamoConsoleViews(t);
    expect((await views.exposures()).map((e) => [e.score, e.decision])).toEqual([
      [86, "needs-approval"],
      [60, "suppressed-by-exception"],
      [52, "notify"],
    ]);
  });

  it("lists every playbook run with its steps, newest first, and nothing else of the table", async () => {
    const t = await table();
    const runs = new DynamoPlaybookRunStore(t);
    await runs.createRun(quarantineRun("run-old", T0 - 86_400_000, true));
    await runs.createRun(quarantineRun("run-new", T0, false));
    await runs.setKillSwitch({ reason: "drill", since: T0 });
    await new DynamoLedger(t).append([
      ledgerEntry({
        at: T0,
        actor: { kind: "vigil", id: "vigil" },
        action: "finding-decided",
        subject: { kind: "run", id: "run-new" },
        reason: "a record about a run",
        change: {},
      }),
    ]);
    const listed = await new DynamoConsoleViews(t).runs();
    expect(listed).toEqual([
      quarantineRun("run-new", T0, false),
      quarantineRun("run-old", T0 - 86_400_000, true),
    ]);
    expect(await new DynamoConsoleViews(await table()).runs()).toEqual([]);
  });

  it("refuses a damaged step item, naming it and its run", async () => {
    const t = await table();
    await new DynamoPlaybookRunStore(t).createRun(quarantineRun("run-1", T0, false));
    await t.client.send(
      new PutCommand({
        TableName: t.tableName,
        Item: { pk: keys.run("run-1"), sk: keys.step(0), v: JSON.stringify({ index: 0 }) },
      }),
    );
    await expect(new DynamoConsoleViews(t).runs()).rejects.toThrow(
      `step record S#0000 of run run-1 in ${t.tableName} is damaged`,
    );
  });
});
