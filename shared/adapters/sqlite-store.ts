import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { VigilError } from "../domain/errors.ts";
import type { Exposure } from "../domain/finding.ts";
import type { Batch, RunStore, RunSummary } from "../ports/run-store.ts";

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS baselines (
  namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, inputs TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT, summary TEXT
);
CREATE TABLE IF NOT EXISTS findings (
  event_id TEXT NOT NULL, credential_kind TEXT NOT NULL, credential_id TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs(id), event_time TEXT NOT NULL, principal TEXT NOT NULL,
  score INTEGER NOT NULL, severity TEXT NOT NULL, decision TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (event_id, credential_kind, credential_id)
);
CREATE INDEX IF NOT EXISTS findings_by_credential ON findings (credential_kind, credential_id, event_time);
CREATE TABLE IF NOT EXISTS exposures (
  credential_kind TEXT NOT NULL, credential_id TEXT NOT NULL, run_id TEXT NOT NULL REFERENCES runs(id),
  principal TEXT NOT NULL, score INTEGER NOT NULL, severity TEXT NOT NULL, body TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (credential_kind, credential_id)
);
CREATE TABLE IF NOT EXISTS rejected (
  run_id TEXT NOT NULL REFERENCES runs(id), source TEXT NOT NULL, idx INTEGER NOT NULL, error TEXT NOT NULL
);
`;

/** The embedded store could not be opened or written. */
export class StoreError extends VigilError {
  override name = "StoreError";
}

/**
 * Opens the embedded store's file for one of its adapters (`what`: "the ledger", "the approval
 * requests", …): creates its folder, uses the WAL journal with full syncs, waits up to 10 s for another
 * process's write lock, and creates the adapter's tables (`schema`, idempotent). A StoreError says what
 * could not be opened where, and how to fix it.
 */
export function openStoreFile(path: string, what: string, schema: string): Database.Database {
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 10000");
    db.exec(schema);
    return db;
  } catch (error) {
    throw new StoreError(
      `cannot open ${what} in the store at ${path}: ${(error as Error).message}; choose a readable, writable store with --store PATH`,
      { cause: error, context: { path } },
    );
  }
}

/**
 * The embedded store: one SQLite file (WAL journal) holding learned baselines, runs, findings,
 * exposures and rejected records. It survives restarts; each batch is one transaction.
 */
export class SqliteRunStore implements RunStore {
  readonly #db: Database.Database;
  readonly #putBaseline: Database.Statement;
  readonly #putFinding: Database.Statement;
  readonly #putRejected: Database.Statement;

  constructor(readonly path: string) {
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
      this.#db.pragma("busy_timeout = 5000");
      const version = this.#db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StoreError(
          `store ${path} has schema version ${version}, newer than this vigil understands (${SCHEMA_VERSION}); upgrade vigil or use another --store`,
        );
      }
      this.#db.exec(SCHEMA);
      this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        `cannot open the store at ${path}: ${(error as Error).message}; choose a writable path with --store PATH or run with --memory`,
        { cause: error, context: { path } },
      );
    }
    this.#putBaseline = this.#db.prepare(
      "INSERT INTO baselines (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
    );
    this.#putFinding = this.#db.prepare(
      `INSERT INTO findings (event_id, credential_kind, credential_id, run_id, event_time, principal, score, severity, decision, body)
       VALUES (@eventId, @kind, @id, @runId, @eventTime, @principal, @score, @severity, @decision, @body)
       ON CONFLICT (event_id, credential_kind, credential_id) DO UPDATE SET run_id = excluded.run_id,
         score = excluded.score, severity = excluded.severity, decision = excluded.decision, body = excluded.body`,
    );
    this.#putRejected = this.#db.prepare(
      "INSERT INTO rejected (run_id, source, idx, error) VALUES (?, ?, ?, ?)",
    );
  }

  loadBaselines(load: (namespace: string, key: string, value: unknown) => void): void {
    const rows = this.#db.prepare("SELECT namespace, key, value FROM baselines").iterate() as Iterable<{
      namespace: string;
      key: string;
      value: string;
    }>;
    for (const row of rows) load(row.namespace, row.key, JSON.parse(row.value));
  }

  beginRun(kind: "replay" | "learn", inputs: readonly string[], startedAt: number): string {
    const id = randomUUID();
    this.#db
      .prepare("INSERT INTO runs (id, kind, inputs, started_at) VALUES (?, ?, ?, ?)")
      .run(id, kind, JSON.stringify(inputs), new Date(startedAt).toISOString());
    return id;
  }

  commit(runId: string, batch: Batch): void {
    this.#db.transaction(() => {
      for (const [namespace, key, value] of batch.baselines)
        this.#putBaseline.run(namespace, key, JSON.stringify(value));
      for (const f of batch.findings) {
        this.#putFinding.run({
          eventId: f.eventId,
          kind: f.credential.kind,
          id: f.credential.id,
          runId,
          eventTime: f.eventTime,
          principal: f.principal,
          score: f.score,
          severity: f.severity,
          decision: f.decision,
          body: JSON.stringify(f),
        });
      }
      for (const r of batch.rejected) this.#putRejected.run(runId, r.source, r.index, r.error);
    })();
  }

  finishRun(runId: string, summary: RunSummary, exposures: readonly Exposure[], finishedAt: number): void {
    const at = new Date(finishedAt).toISOString();
    const put = this.#db.prepare(
      `INSERT INTO exposures (credential_kind, credential_id, run_id, principal, score, severity, body, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (credential_kind, credential_id) DO UPDATE SET run_id = excluded.run_id, principal = excluded.principal,
         score = excluded.score, severity = excluded.severity, body = excluded.body, updated_at = excluded.updated_at`,
    );
    this.#db.transaction(() => {
      for (const e of exposures) {
        put.run(
          e.credential.kind,
          e.credential.id,
          runId,
          e.principal,
          e.score,
          e.severity,
          JSON.stringify(e),
          at,
        );
      }
      this.#db
        .prepare("UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?")
        .run(at, JSON.stringify(summary), runId);
    })();
  }

  /** Counts rows per table (for `vigil` tests and diagnostics). */
  counts(): Record<"baselines" | "runs" | "findings" | "exposures" | "rejected", number> {
    const count = (table: string) =>
      (this.#db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      baselines: count("baselines"),
      runs: count("runs"),
      findings: count("findings"),
      exposures: count("exposures"),
      rejected: count("rejected"),
    };
  }

  close(): void {
    this.#db.close();
  }
}
