import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import { collect } from "../../shared/domain/collect.ts";
import { canonicalJson } from "../../shared/domain/ledger/canonical-json.ts";
import { recordHash, verifyChain } from "../../shared/domain/ledger/chain.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import { LedgerError, type LedgerRecord } from "../../shared/domain/ledger/record.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const ROOT = resolve(import.meta.dirname, "../..");

function entry(i: number, subject = `AKIAEXAMPLE0000000${String(i).padStart(2, "0")}`) {
  return ledgerEntry({
    at: T0 + i * 60_000,
    actor: { kind: "vigil", id: "vigil" },
    action: "finding-decided",
    subject: { kind: "access-key", id: subject },
    reason: `decision ${i}`,
    change: { decision: "notify" },
    signals: ["new-source"],
  });
}

let path: string;

beforeEach(() => {
  path = join(mkdtempSync(join(tmpdir(), "vigil-ledger-")), "store", "vigil.db");
});

async function withLedger<T>(use: (ledger: SqliteLedger) => Promise<T>): Promise<T> {
  const ledger = new SqliteLedger(path);
  try {
    return await use(ledger);
  } finally {
    ledger.close();
  }
}

async function seed(n: number): Promise<void> {
  await withLedger((ledger) => ledger.append(Array.from({ length: n }, (_, i) => entry(i + 1))));
}

/** Runs SQL on the store file as someone with access to it would, with the append-only triggers dropped. */
function tamper(...statements: string[]): void {
  const db = new Database(path);
  db.exec("DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;");
  for (const sql of statements) db.exec(sql);
  db.close();
}

function verdict() {
  return withLedger((ledger) => verifyChain(() => ledger.stored()));
}

describe("SqliteLedger", () => {
  it("appends sealed records in order and reads them back after a restart", async () => {
    const sealed = await withLedger((ledger) => ledger.append([entry(1), entry(2)]));
    expect(sealed.map((r) => r.seq)).toEqual([1, 2]);
    await withLedger(async (ledger) => {
      const more = await ledger.append([entry(3)]);
      expect(more[0]).toMatchObject({ seq: 3, prevHash: sealed[1]?.hash });
      expect((await collect(ledger.read())).map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(await ledger.count()).toBe(3);
    });
    expect(await verdict()).toMatchObject({ intact: true, count: 3 });
  });

  it("reads a period, from inclusive to exclusive, and a subject", async () => {
    await seed(5);
    await withLedger(async (ledger) => {
      const period = { from: "2026-03-10T12:02:00.000Z", to: "2026-03-10T12:04:00.000Z" };
      expect((await collect(ledger.read(period))).map((r) => r.seq)).toEqual([2, 3]);
      expect(await ledger.count(period)).toBe(2);
      expect((await collect(ledger.read({ subject: "AKIAEXAMPLE000000004" }))).map((r) => r.seq)).toEqual([
        4,
      ]);
      expect(await ledger.count({ subject: "access-key:AKIAEXAMPLE000000004" })).toBe(1);
      expect(await ledger.count({ subject: "role-session:AKIAEXAMPLE000000004" })).toBe(0);
    });
  });

  it("reads and verifies a ledger longer than one page, every record once and in order", async () => {
    await withLedger((ledger) =>
      ledger.append(
        Array.from({ length: 1_234 }, (_, i) => entry(i + 1, `AKIAEXAMPLE${String(i).padStart(9, "0")}`)),
      ),
    );
    const seqs = await withLedger(async (ledger) => (await collect(ledger.read())).map((r) => r.seq));
    expect(seqs).toEqual(Array.from({ length: 1_234 }, (_, i) => i + 1));
    expect(await verdict()).toMatchObject({ intact: true, count: 1_234 });
  });

  it("lets the caller append between the records it reads (no statement is held open)", async () => {
    await seed(3);
    const seen = await withLedger(async (ledger) => {
      const seqs: number[] = [];
      for await (const record of ledger.read()) {
        seqs.push(record.seq);
        if (record.seq === 1) await ledger.append([entry(4)]);
      }
      return seqs;
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(await withLedger((ledger) => ledger.count())).toBe(4);
  });

  it("appends nothing for no entries", async () => {
    expect(await withLedger((ledger) => ledger.append([]))).toEqual([]);
    expect(await withLedger((ledger) => ledger.count())).toBe(0);
  });

  it("stores each record as its canonical JSON", async () => {
    const [record] = await withLedger((ledger) => ledger.append([entry(1)]));
    const db = new Database(path, { readonly: true });
    const row = db.prepare("SELECT seq, record FROM ledger").get() as { seq: number; record: string };
    db.close();
    expect(row).toEqual({ seq: 1, record: canonicalJson(record) });
  });

  it("refuses an entry that is not a valid record, writing nothing", async () => {
    await expect(
      withLedger((ledger) => ledger.append([entry(1), { ...entry(2), time: "yesterday" }])),
    ).rejects.toThrow(LedgerError);
    expect(await withLedger((ledger) => ledger.count())).toBe(0);
  });

  it("exposes no way to update or delete, and SQLite refuses both", async () => {
    await seed(2);
    const ledger = new SqliteLedger(path);
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(ledger));
    expect(methods.sort()).toEqual(["append", "close", "constructor", "count", "read", "stored"]);
    ledger.close();
    const db = new Database(path);
    expect(() => db.exec("UPDATE ledger SET record = '{}' WHERE seq = 1")).toThrow(
      /append-only: records are never updated/,
    );
    expect(() => db.exec("DELETE FROM ledger WHERE seq = 1")).toThrow(
      /append-only: records are never deleted/,
    );
    db.close();
    expect(await verdict()).toMatchObject({ intact: true, count: 2 });
  });

  it("shares the store file without touching the other tables or user_version", async () => {
    const store = new SqliteRunStore(path);
    const runId = store.beginRun("replay", ["trail.json"], T0);
    store.close();
    await seed(2);
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    expect((db.prepare("SELECT id FROM runs").get() as { id: string }).id).toBe(runId);
    db.close();
    const again = new SqliteRunStore(path);
    expect(again.counts().runs).toBe(1);
    again.close();
  });

  it("chains two instances on one file into one chain", async () => {
    const a = new SqliteLedger(path);
    const b = new SqliteLedger(path);
    try {
      for (let i = 1; i <= 10; i++) await (i % 2 === 0 ? a : b).append([entry(i)]);
    } finally {
      a.close();
      b.close();
    }
    expect(await verdict()).toMatchObject({ intact: true, count: 10 });
  });

  it("serializes concurrent writers in two processes: no fork, no lost record", async () => {
    await seed(1);
    const adapter = new URL("../../shared/adapters/sqlite-ledger.ts", import.meta.url).href;
    const builder = new URL("../../shared/domain/ledger/entry.ts", import.meta.url).href;
    const dir = join(path, "..");
    // Each writer says it is ready, waits for the other (a barrier, not a timing assumption), then appends
    // one record at a time, pausing a millisecond between appends so the other can take turns.
    const writer = (name: string, other: string) => `
      import { existsSync, writeFileSync } from "node:fs";
      const { SqliteLedger } = await import(${JSON.stringify(adapter)});
      const { ledgerEntry } = await import(${JSON.stringify(builder)});
      const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const ledger = new SqliteLedger(${JSON.stringify(path)});
      writeFileSync(${JSON.stringify(dir)} + "/ready-${name}", "");
      while (!existsSync(${JSON.stringify(dir)} + "/ready-${other}")) pause(5);
      for (let i = 0; i < 100; i++) {
        await ledger.append([ledgerEntry({ at: ${T0} + i, actor: { kind: "vigil", id: "${name}" },
          action: "finding-decided", subject: { kind: "run", id: "${name}-" + i }, reason: "race", change: {} })]);
        pause(1);
      }
      ledger.close();
    `;
    const run = (name: string, other: string) =>
      new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "--input-type=module", "-e", writer(name, other)],
          { cwd: ROOT },
          (error, _stdout, stderr) => (error ? reject(new Error(stderr || String(error))) : resolve()),
        );
      });
    await Promise.all([run("writer-a", "writer-b"), run("writer-b", "writer-a")]);
    const records = await withLedger((ledger) => collect(ledger.read()));
    expect(records).toHaveLength(201);
    expect(new Set(records.map((r) => r.actor.id))).toEqual(new Set(["vigil", "writer-a", "writer-b"]));
    const switches = records.slice(1).filter((r, i) => i > 0 && r.actor.id !== records[i]?.actor.id).length;
    expect(switches, "the writers ran at the same time").toBeGreaterThan(10);
    expect(await verdict()).toMatchObject({ intact: true, count: 201 });
  });

  it("refuses to extend a chain whose last record is unreadable", async () => {
    await seed(2);
    tamper("UPDATE ledger SET record = 'not json' WHERE seq = 2");
    await expect(withLedger((ledger) => ledger.append([entry(3)]))).rejects.toThrow(
      /the last ledger record \(row 2\) is unreadable/,
    );
  });

  it("refuses to list a row that is not a record, pointing at verify", async () => {
    await seed(2);
    tamper(`UPDATE ledger SET record = json_set(record, '$.seq', 'two') WHERE seq = 2`);
    await expect(withLedger((ledger) => collect(ledger.read()))).rejects.toThrow(
      /ledger row 2 is not a valid record .*vigil records verify/,
    );
  });
});

describe("SqliteLedger tampered with SQL", () => {
  beforeEach(() => seed(6));

  it("verify names an edited record", async () => {
    tamper(`UPDATE ledger SET record = json_set(record, '$.reason', 'nothing to see') WHERE seq = 3`);
    expect(await verdict()).toMatchObject({
      intact: false,
      problem: { kind: "edited", seq: 3, position: 3 },
    });
  });

  it("verify names a deleted record", async () => {
    tamper("DELETE FROM ledger WHERE seq = 4");
    expect(await verdict()).toMatchObject({
      intact: false,
      problem: { kind: "deleted", seq: 4, position: 4 },
    });
  });

  it("verify names a forged record inserted in the middle", async () => {
    const third = (await withLedger((ledger) => collect(ledger.read())))[2]!;
    const { hash: _h, ...rest } = { ...third, reason: "approved by nobody" };
    const forged: LedgerRecord = { ...rest, hash: recordHash(rest) };
    tamper(
      "UPDATE ledger SET seq = seq + 1000 WHERE seq >= 3",
      "UPDATE ledger SET seq = seq - 999 WHERE seq >= 1000",
      `INSERT INTO ledger (seq, record) VALUES (3, '${canonicalJson(forged)}')`,
    );
    expect(await verdict()).toMatchObject({
      intact: false,
      problem: { kind: "inserted", seq: 3, position: 3 },
    });
  });

  it("verify names reordered records", async () => {
    tamper(
      "UPDATE ledger SET seq = -2 WHERE seq = 2",
      "UPDATE ledger SET seq = 2 WHERE seq = 5",
      "UPDATE ledger SET seq = 5 WHERE seq = -2",
    );
    expect(await verdict()).toMatchObject({
      intact: false,
      problem: { kind: "reordered", seq: 5, position: 2 },
    });
  });
});
