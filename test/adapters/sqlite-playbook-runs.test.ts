import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqlitePlaybookRunStore } from "../../shared/adapters/sqlite-playbook-runs.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import type { RunRecord } from "../../shared/ports/playbook-run-store.ts";

const run: RunRecord = {
  id: "run-1",
  key: "plan-1",
  playbook: "deactivate-access-key",
  principal: "arn:aws:iam::111122223333:user/svc",
  account: "111122223333",
  credential: "access-key:AKIAEXAMPLE000000001",
  reason: "critical",
  status: "running",
  createdAt: 1,
  updatedAt: 1,
  steps: [
    {
      index: 0,
      step: "deactivate-access-key",
      target: "AKIAEXAMPLE000000001",
      params: { accessKeyId: "AKIAEXAMPLE000000001", userArn: "arn:aws:iam::111122223333:user/svc" },
      destructive: true,
      status: "pending",
      attempts: 0,
    },
  ],
};

function file(): string {
  return join(mkdtempSync(join(tmpdir(), "vigil-runs-")), "vigil.db");
}

describe("SqlitePlaybookRunStore", () => {
  it("keeps runs and steps across reopening, and finds the unfinished run of a plan", async () => {
    const path = file();
    const store = new SqlitePlaybookRunStore(path);
    await store.createRun(run);
    const applied = {
      ...run.steps[0]!,
      status: "applied" as const,
      attempts: 1,
      result: { changed: true, before: { status: "Active" }, after: { status: "Inactive" }, notes: [] },
    };
    await store.saveStep("run-1", applied, 5);
    store.close();
    const reopened = new SqlitePlaybookRunStore(path);
    expect(await reopened.findUnfinished("plan-1")).toEqual({ ...run, updatedAt: 5, steps: [applied] });
    await reopened.setRunStatus("run-1", "completed", 6);
    expect(await reopened.findUnfinished("plan-1")).toBeUndefined();
    expect((await reopened.getRun("run-1"))?.status).toBe("completed");
    expect(await reopened.getRun("other")).toBeUndefined();
  });

  it("shares the file with the run store without touching its tables or schema version", async () => {
    const path = file();
    new SqliteRunStore(path).close();
    const store = new SqlitePlaybookRunStore(path);
    await store.createRun(run);
    store.close();
    const runs = new SqliteRunStore(path);
    expect(runs.counts()).toEqual({ baselines: 0, runs: 0, findings: 0, exposures: 0, rejected: 0 });
    runs.close();
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    db.close();
  });

  it("gives a subject's lock to one run at a time across two connections, until it expires", async () => {
    const path = file();
    const a = new SqlitePlaybookRunStore(path);
    const b = new SqlitePlaybookRunStore(path);
    expect(await a.acquireLock("role/app", "run-a", 100, 50)).toBeUndefined();
    expect(await b.acquireLock("role/app", "run-b", 120, 50)).toBe("run-a");
    expect(await a.acquireLock("role/app", "run-a", 130, 50)).toBeUndefined();
    expect(await b.acquireLock("role/app", "run-b", 181, 50)).toBeUndefined();
    await a.releaseLock("role/app", "run-a");
    expect(await a.acquireLock("role/app", "run-a", 190, 50)).toBe("run-b");
    await b.releaseLock("role/app", "run-b");
    expect(await a.acquireLock("role/app", "run-a", 190, 50)).toBeUndefined();
    a.close();
    b.close();
  });

  it("grants destructive actions up to the cap within the window, keeping a step's own claim", async () => {
    const store = new SqlitePlaybookRunStore(":memory:");
    expect(await store.claimAction("1", "r1", 0, 1000, 0, 2)).toEqual({ granted: true, used: 1 });
    expect(await store.claimAction("1", "r2", 0, 1001, 0, 2)).toEqual({ granted: true, used: 2 });
    expect(await store.claimAction("1", "r3", 0, 1002, 0, 2)).toEqual({ granted: false, used: 2 });
    expect(await store.claimAction("1", "r1", 0, 1003, 0, 2)).toEqual({ granted: true, used: 2 });
    expect(await store.claimAction("2", "r3", 0, 1002, 0, 2)).toEqual({ granted: true, used: 1 });
    expect(await store.claimAction("1", "r4", 0, 5000, 1001, 2)).toEqual({ granted: true, used: 2 });
  });

  it("sets, reads and clears the kill switch", async () => {
    const store = new SqlitePlaybookRunStore(":memory:");
    expect(await store.killSwitch()).toBeUndefined();
    await store.setKillSwitch({ reason: "incident", since: 7 });
    expect(await store.killSwitch()).toEqual({ reason: "incident", since: 7 });
    await store.setKillSwitch(undefined);
    expect(await store.killSwitch()).toBeUndefined();
  });
});
