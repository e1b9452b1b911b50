import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import { type ApprovalRequest, newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { applyVote } from "../../shared/domain/approvals/verdict.ts";
import { collect } from "../../shared/domain/collect.ts";
import { configOf } from "../support/context.ts";
import { exposureOf } from "../support/oncall.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const ROOT = resolve(import.meta.dirname, "../..");

function storeFile(): string {
  return join(mkdtempSync(join(tmpdir(), "vigil-approvals-")), "vigil.db");
}

function request(id = "apr-1"): ApprovalRequest {
  return newApprovalRequest(exposureOf({ decision: "needs-approval" }), configOf().approvals, T0, id);
}

describe("SqliteApprovalStore", () => {
  it("keeps requests across instances, one open request per key, and leaves the other tables and user_version alone", async () => {
    const path = storeFile();
    new SqliteRunStore(path).close();
    const a = new SqliteApprovalStore(path);
    expect(await a.open(request(), T0)).toEqual({ request: request(), created: true });
    expect((await a.open(request("apr-2"), T0 + 1000)).created).toBe(false);
    const b = new SqliteApprovalStore(path);
    expect(await b.get("apr-1")).toEqual(request());
    expect((await b.list()).map((r) => r.id)).toEqual(["apr-1"]);
    // Once the open one has expired, the same key gets a new request.
    expect((await b.open(request("apr-2"), T0 + 3_600_000)).created).toBe(true);
    a.close();
    b.close();
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    db.close();
  });

  it("keeps a request for a role session exposure, which names the session key it saw", async () => {
    const store = new SqliteApprovalStore(":memory:");
    const role = "arn:aws:iam::111122223333:role/app";
    const exposure = exposureOf({
      decision: "needs-approval",
      credential: { kind: "role-session", id: role, accessKeyId: "ASIAEXAMPLESESSION01" },
      principal: role,
    });
    const made = newApprovalRequest(exposure, configOf().approvals, T0, "apr-r");
    await store.open(made, T0);
    expect(await store.get("apr-r")).toEqual(made);
    expect((await store.list()).map((r) => r.id)).toEqual(["apr-r"]);
    store.close();
  });

  it("writes what a change returns, writes nothing when it throws, and answers undefined for an unknown id", async () => {
    const store = new SqliteApprovalStore(":memory:");
    await store.open(request(), T0);
    await expect(
      store.update("apr-1", () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    const result = await store.update("apr-1", (r) => {
      const outcome = applyVote(r, { verdict: "deny", by: "bob", reason: "drill" }, T0);
      return { next: outcome.request, result: outcome.kind };
    });
    expect(result).toBe("denied");
    expect((await store.get("apr-1"))?.status).toBe("denied");
    expect(await store.update("apr-9", () => ({ result: 1 }))).toBeUndefined();
    store.close();
  });

  it("says which request is damaged rather than showing a half-read one", async () => {
    const path = storeFile();
    const store = new SqliteApprovalStore(path);
    await store.open(request(), T0);
    const db = new Database(path);
    db.prepare("UPDATE approvals SET body = ? WHERE id = 'apr-1'").run('{"id":"apr-1"}');
    db.close();
    await expect(store.get("apr-1")).rejects.toThrow(/approval request apr-1 in .* is damaged/);
    store.close();
  });

  it("two instances deciding one request in turn: the second sees the first one's decision", async () => {
    const path = storeFile();
    const a = new SqliteApprovalStore(path);
    const b = new SqliteApprovalStore(path);
    await a.open(request(), T0);
    const vote = (store: SqliteApprovalStore, by: string) =>
      store.update("apr-1", (r) => {
        const outcome = applyVote(r, { verdict: "approve", by, reason: "ok" }, T0 + 1);
        return { next: outcome.kind === "closed" ? undefined : outcome.request, result: outcome };
      });
    expect((await vote(a, "alice"))?.kind).toBe("approved");
    const second = await vote(b, "bob");
    expect(second?.kind).toBe("closed");
    expect(second?.request.decision).toMatchObject({ by: "alice", verdict: "approved" });
    a.close();
    b.close();
  });
});

describe("two processes approving one request at the same moment", () => {
  it("lets exactly one approve (and run the playbook); the other is told who approved and when", async () => {
    const path = storeFile();
    const store = new SqliteApprovalStore(path);
    await store.open(request(), T0);
    store.close();
    const go = `${path}.go`;
    const worker = (voter: string) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(ROOT, "test/support/approval-race-worker.ts"),
          path,
          "apr-1",
          voter,
          String(T0 + 60_000),
          go,
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      const ready = new Promise<void>((resolveReady) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
          if (out.includes("ready\n")) resolveReady();
        });
      });
      const done = new Promise<Record<string, string>>((resolveDone, reject) => {
        child.on("error", reject);
        child.on("exit", () => resolveDone(JSON.parse(out.split("\n").filter(Boolean).at(-1) ?? "{}")));
      });
      return { ready, done };
    };
    const alice = worker("alice");
    const bob = worker("bob");
    await Promise.all([alice.ready, bob.ready]);
    writeFileSync(go, "go");
    const results = await Promise.all([alice.done, bob.done]);
    const winners = results.filter((r) => r.outcome === "approved");
    const losers = results.filter((r) => r.error !== undefined);
    expect(winners).toEqual([{ outcome: "approved", run: "completed" }]);
    expect(losers).toHaveLength(1);
    expect(losers[0]?.error).toBe("AlreadyDecidedError");
    expect(losers[0]?.message).toMatch(
      /^request apr-1 was already approved by (alice|bob) at 2026-03-10T12:01:00\.000Z \((alice|bob) checked it\); your approve was not recorded$/,
    );
    const ledger = new SqliteLedger(path);
    expect((await collect(ledger.read())).filter((r) => r.action === "approval-decided")).toHaveLength(1);
    ledger.close();
    const after = new SqliteApprovalStore(path);
    expect((await after.get("apr-1"))?.status).toBe("approved");
    after.close();
  });
});
