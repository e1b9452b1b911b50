import type Database from "better-sqlite3";
import type {
  KillSwitch,
  PlaybookRunStore,
  RunRecord,
  RunStatus,
  StepRecord,
} from "../ports/playbook-run-store.ts";
import { killSwitch, runStatus, stepRecord } from "./playbook-run-schemas.ts";
import { openStoreFile, StoreError } from "./sqlite-store.ts";

/**
 * Playbook runs in the embedded store's SQLite file, in tables of their own (the store's other tables
 * and its user_version are untouched). Locks and claimed actions are conditional writes inside
 * immediate transactions, so two processes sharing the file cannot both act on one subject or exceed
 * the cap.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS playbook_runs (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, playbook TEXT NOT NULL, principal TEXT NOT NULL,
  account TEXT NOT NULL, credential TEXT NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS playbook_runs_by_key ON playbook_runs (key, status);
CREATE TABLE IF NOT EXISTS playbook_steps (
  run_id TEXT NOT NULL REFERENCES playbook_runs(id), idx INTEGER NOT NULL, step TEXT NOT NULL,
  status TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS playbook_locks (
  subject TEXT PRIMARY KEY, run_id TEXT NOT NULL, expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS playbook_actions (
  account TEXT NOT NULL, run_id TEXT NOT NULL, idx INTEGER NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (run_id, idx)
);
CREATE INDEX IF NOT EXISTS playbook_actions_by_account ON playbook_actions (account, at);
CREATE TABLE IF NOT EXISTS playbook_flags (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface RunRow {
  id: string;
  key: string;
  playbook: string;
  principal: string;
  account: string;
  credential: string;
  reason: string;
  status: string;
  created_at: number;
  updated_at: number;
}

/** PlaybookRunStore on a SQLite file (the same file as the SqliteRunStore, or ":memory:"). */
export class SqlitePlaybookRunStore implements PlaybookRunStore {
  readonly #db: Database.Database;

  constructor(readonly path: string) {
    this.#db = openStoreFile(path, "the playbook runs", SCHEMA);
  }

  async createRun(run: RunRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO playbook_runs (id, key, playbook, principal, account, credential, reason, status, created_at, updated_at)
           VALUES (@id, @key, @playbook, @principal, @account, @credential, @reason, @status, @createdAt, @updatedAt)`,
        )
        .run({ ...run, steps: undefined });
      for (const step of run.steps) this.#putStep(run.id, step, run.createdAt);
    })();
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.#db.prepare("SELECT * FROM playbook_runs WHERE id = ?").get(id) as RunRow | undefined;
    return row === undefined ? undefined : this.#runOf(row);
  }

  async findUnfinished(key: string): Promise<RunRecord | undefined> {
    const row = this.#db
      .prepare(
        "SELECT * FROM playbook_runs WHERE key = ? AND status = 'running' ORDER BY created_at DESC LIMIT 1",
      )
      .get(key) as RunRow | undefined;
    return row === undefined ? undefined : this.#runOf(row);
  }

  async saveStep(runId: string, step: StepRecord, at: number): Promise<void> {
    this.#db.transaction(() => {
      this.#putStep(runId, step, at);
      this.#db.prepare("UPDATE playbook_runs SET updated_at = ? WHERE id = ?").run(at, runId);
    })();
  }

  async setRunStatus(runId: string, status: RunStatus, at: number): Promise<void> {
    this.#db
      .prepare("UPDATE playbook_runs SET status = ?, updated_at = ? WHERE id = ?")
      .run(status, at, runId);
  }

  async acquireLock(subject: string, runId: string, now: number, ttlMs: number): Promise<string | undefined> {
    return this.#db
      .transaction(() => {
        const changed = this.#db
          .prepare(
            `INSERT INTO playbook_locks (subject, run_id, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (subject) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
           WHERE playbook_locks.run_id = excluded.run_id OR playbook_locks.expires_at <= ?`,
          )
          .run(subject, runId, now + ttlMs, now).changes;
        if (changed === 1) return undefined;
        const row = this.#db.prepare("SELECT run_id FROM playbook_locks WHERE subject = ?").get(subject) as
          | { run_id: string }
          | undefined;
        return row?.run_id ?? "another run";
      })
      .immediate();
  }

  async releaseLock(subject: string, runId: string): Promise<void> {
    this.#db.prepare("DELETE FROM playbook_locks WHERE subject = ? AND run_id = ?").run(subject, runId);
  }

  async claimAction(
    account: string,
    runId: string,
    index: number,
    at: number,
    since: number,
    cap: number,
  ): Promise<{ granted: boolean; used: number }> {
    return this.#db
      .transaction(() => {
        const used = (
          this.#db
            .prepare("SELECT count(*) AS n FROM playbook_actions WHERE account = ? AND at >= ?")
            .get(account, since) as {
            n: number;
          }
        ).n;
        const mine = this.#db
          .prepare("SELECT 1 FROM playbook_actions WHERE run_id = ? AND idx = ?")
          .get(runId, index);
        if (mine !== undefined) return { granted: true, used };
        if (used >= cap) return { granted: false, used };
        this.#db
          .prepare("INSERT INTO playbook_actions (account, run_id, idx, at) VALUES (?, ?, ?, ?)")
          .run(account, runId, index, at);
        return { granted: true, used: used + 1 };
      })
      .immediate();
  }

  async killSwitch(): Promise<KillSwitch | undefined> {
    const row = this.#db.prepare("SELECT value FROM playbook_flags WHERE name = 'kill-switch'").get() as
      | { value: string }
      | undefined;
    return row === undefined ? undefined : killSwitch.parse(JSON.parse(row.value));
  }

  async setKillSwitch(state: KillSwitch | undefined): Promise<void> {
    if (state === undefined) this.#db.prepare("DELETE FROM playbook_flags WHERE name = 'kill-switch'").run();
    else {
      this.#db
        .prepare(
          "INSERT INTO playbook_flags (name, value) VALUES ('kill-switch', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .run(JSON.stringify(state));
    }
  }

  close(): void {
    this.#db.close();
  }

  #putStep(runId: string, step: StepRecord, at: number): void {
    this.#db
      .prepare(
        `INSERT INTO playbook_steps (run_id, idx, step, status, body, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, body = excluded.body, updated_at = excluded.updated_at`,
      )
      .run(runId, step.index, step.step, step.status, JSON.stringify(step), at);
  }

  #runOf(row: RunRow): RunRecord {
    const steps = (
      this.#db.prepare("SELECT body FROM playbook_steps WHERE run_id = ? ORDER BY idx").all(row.id) as {
        body: string;
      }[]
    ).map((s) => {
      const parsed = stepRecord.safeParse(JSON.parse(s.body));
      if (!parsed.success) {
        throw new StoreError(
          `step record of run ${row.id} in ${this.path} is damaged (${parsed.error.issues[0]?.message}); the run cannot be resumed or undone by vigil`,
        );
      }
      return parsed.data;
    });
    return {
      id: row.id,
      key: row.key,
      playbook: row.playbook,
      principal: row.principal,
      account: row.account,
      credential: row.credential,
      reason: row.reason,
      status: runStatus.parse(row.status),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      steps,
    };
  }
}
