import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteExceptionStore } from "../../shared/adapters/sqlite-exceptions.ts";
import { SqliteStoredExposures } from "../../shared/adapters/sqlite-exposures.ts";
import { SqlitePlaybookRunStore } from "../../shared/adapters/sqlite-playbook-runs.ts";
import { SqliteQuarantineRuns } from "../../shared/adapters/sqlite-quarantine-runs.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import type { BreakGlassException } from "../../shared/domain/exceptions/exception.ts";
import { revokeException } from "../../shared/domain/exceptions/revoke.ts";
import type { RunRecord } from "../../shared/ports/playbook-run-store.ts";
import { exposureOf, MemoryLedger } from "../support/oncall.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const ROLE = "arn:aws:iam::111122223333:role/app";

function storeFile(): string {
  return join(mkdtempSync(join(tmpdir(), "vigil-exceptions-")), "vigil.db");
}

function exception(fields: Partial<BreakGlassException> = {}): BreakGlassException {
  return {
    id: "exc-1",
    scope: { kind: "principal", arn: ROLE },
    playbooks: [],
    signals: [],
    reason: "incident 4711",
    grantedBy: "alice",
    grantedAt: T0,
    expiresAt: T0 + HOUR,
    ...fields,
  };
}

describe("SqliteExceptionStore", () => {
  it("loads the exceptions not ended by an instant, to the millisecond: kept one millisecond before the expiry, not at it", async () => {
    const store = new SqliteExceptionStore(":memory:");
    await store.insert(exception());
    await store.insert(exception({ id: "exc-2", grantedAt: T0 + 10, expiresAt: T0 + 10 + HOUR }));
    const ids = async (at: number) => (await store.activeAt(at)).map((e) => e.id);
    // Granted after `at` is loaded too: a snapshot taken at a run's start applies it from its grant.
    expect(await ids(T0 - 1)).toEqual(["exc-1", "exc-2"]);
    expect(await ids(T0 + HOUR - 1)).toEqual(["exc-1", "exc-2"]);
    expect(await ids(T0 + HOUR)).toEqual(["exc-2"]);
    expect(await ids(T0 + 10 + HOUR)).toEqual([]);
    expect((await store.list()).map((e) => e.id)).toEqual(["exc-2", "exc-1"]);
    store.close();
  });

  it("ends an exception at its revocation for the decisions that read it", async () => {
    const store = new SqliteExceptionStore(":memory:");
    await store.insert(exception());
    await store.update("exc-1", (e) => ({ ...e, revoked: { by: "bob", reason: "done", at: T0 + 60_000 } }));
    expect((await store.activeAt(T0 + 59_999)).map((e) => e.id)).toEqual(["exc-1"]);
    expect(await store.activeAt(T0 + 60_000)).toEqual([]);
    expect(await store.update("exc-9", (e) => e)).toBeUndefined();
    await expect(store.insert(exception())).rejects.toThrow(/cannot store exception exc-1/);
    store.close();
  });

  it("two people revoking through two instances on one file: one revocation, one clear refusal", async () => {
    const path = storeFile();
    const a = new SqliteExceptionStore(path);
    const b = new SqliteExceptionStore(path);
    await a.insert(exception());
    const ledger = new MemoryLedger();
    const clock = { now: () => T0 + 1000 };
    await revokeException("exc-1", { by: "bob", reason: "over" }, { exceptions: a, ledger, clock });
    await expect(
      revokeException("exc-1", { by: "carol", reason: "over" }, { exceptions: b, ledger, clock }),
    ).rejects.toThrow(
      "exception exc-1 was revoked by bob at 2026-03-10T12:00:01.000Z; there is nothing to revoke",
    );
    expect(ledger.actions()).toEqual(["exception-revoked"]);
    a.close();
    b.close();
  });

  it("leaves the store's other tables and user_version alone, and names a damaged exception", async () => {
    const path = storeFile();
    new SqliteRunStore(path).close();
    const store = new SqliteExceptionStore(path);
    await store.insert(exception());
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    db.prepare("UPDATE exceptions SET body = '{}'").run();
    db.close();
    await expect(store.list()).rejects.toThrow(/exception exc-1 in .* is damaged/);
    store.close();
  });
});

describe("SqliteStoredExposures", () => {
  it("reads the suppressed exposures a replay stored and replaces one only while it is unchanged", async () => {
    const path = storeFile();
    const runs = new SqliteRunStore(path);
    const suppressed = exposureOf({
      decision: "suppressed-by-exception",
      decisionReason: "suppressed by exception exc-1 (…)",
    });
    const other = exposureOf({
      decision: "auto",
      credential: { kind: "access-key", id: "AKIAOTHER00000000000" },
    });
    const runId = runs.beginRun("replay", ["t.json"], T0);
    runs.finishRun(runId, { records: 2, rejected: 0, findings: 2, exposures: 2 }, [suppressed, other], T0);
    const stored = new SqliteStoredExposures(path);
    expect(await stored.suppressed()).toEqual([suppressed]);
    const next = { ...suppressed, decision: "auto" as const, decisionReason: "critical" };
    expect(await stored.replace(suppressed, next)).toBe(true);
    expect(await stored.suppressed()).toEqual([]);
    expect(await stored.replace(suppressed, next)).toBe(false);
    runs.close();
    stored.close();
  });

  it("holds nothing in a store no replay wrote", async () => {
    const stored = new SqliteStoredExposures(join(storeFile()));
    expect(await stored.suppressed()).toEqual([]);
    stored.close();
  });
});

describe("SqliteQuarantineRuns", () => {
  it("finds the runs with an applied quarantine step on a principal, newest first", async () => {
    const path = storeFile();
    const runs = new SqlitePlaybookRunStore(path);
    const run = (id: string, createdAt: number, status: "applied" | "blocked"): RunRecord => ({
      id,
      key: id,
      playbook: "quarantine-role",
      principal: ROLE,
      account: "111122223333",
      credential: `role-session:${ROLE}`,
      reason: "test",
      status: "completed",
      createdAt,
      updatedAt: createdAt,
      steps: [
        {
          index: 0,
          step: "quarantine-role",
          target: ROLE,
          params: { roleArn: ROLE },
          destructive: true,
          status,
          attempts: 1,
        },
      ],
    });
    await runs.createRun(run("old", T0, "applied"));
    await runs.createRun(run("new", T0 + 1, "applied"));
    await runs.createRun(run("blocked", T0 + 2, "blocked"));
    const finder = new SqliteQuarantineRuns(path);
    expect(finder.quarantinesOf(ROLE)).toEqual(["new", "old"]);
    expect(finder.quarantinesOf(`${ROLE}-2`)).toEqual([]);
    finder.close();
    runs.close();
  });
});
