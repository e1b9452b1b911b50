import type Database from "better-sqlite3";
import type { Exposure, ExposureFacts, Finding } from "../domain/finding.ts";
import {
  type BaselineRef,
  type CommitOutcome,
  commitSize,
  DEFAULT_MARK_TTL_MS,
  type EventStateStore,
  exposureKey,
  type Handoff,
  MAX_COMMIT_ITEMS,
  refId,
  type StateChanges,
  type StoredFinding,
  type VersionedBaseline,
  type VersionedExposure,
} from "../ports/event-state-store.ts";
import { openStoreFile, StoreError } from "./sqlite-store.ts";

/**
 * The EventStateStore in the embedded store's SQLite file. Baselines share the `baselines` table with
 * `vigil replay` and `vigil learn` (a baseline's version is its JSON text: a write succeeds only when
 * the row still holds what was read). Marks, findings and exposures of the event path have tables of
 * their own; the store's other tables and its user_version are untouched. A commit is one immediate
 * transaction, so two processes sharing the file cannot both win a race.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS baselines (
  namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS event_marks (event_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS event_findings (
  exposure_key TEXT NOT NULL, event_time TEXT NOT NULL, event_id TEXT NOT NULL, credential TEXT NOT NULL,
  finding TEXT NOT NULL, facts TEXT NOT NULL,
  PRIMARY KEY (exposure_key, event_time, event_id, credential)
);
CREATE TABLE IF NOT EXISTS event_exposures (
  exposure_key TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event_handoffs (
  id TEXT PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL
);
`;

/** An EventStateStore on a SQLite file (or ":memory:", for tests and local runs). */
export class SqliteEventStateStore implements EventStateStore {
  readonly #db: Database.Database;

  constructor(
    readonly path: string,
    private readonly markTtlMs = DEFAULT_MARK_TTL_MS,
  ) {
    this.#db = openStoreFile(path, "the event state", SCHEMA);
  }

  async loadBaselines(refs: readonly BaselineRef[]): Promise<VersionedBaseline[]> {
    const get = this.#db.prepare("SELECT value FROM baselines WHERE namespace = ? AND key = ?");
    const out: VersionedBaseline[] = [];
    for (const ref of refs) {
      const row = get.get(ref.namespace, ref.key) as { value: string } | undefined;
      if (row !== undefined) out.push({ ...ref, value: JSON.parse(row.value), version: row.value });
    }
    return out;
  }

  async processed(eventIds: readonly string[], now: number): Promise<Set<string>> {
    const get = this.#db.prepare("SELECT 1 FROM event_marks WHERE event_id = ? AND expires_at > ?");
    return new Set(eventIds.filter((id) => get.get(id, now) !== undefined));
  }

  async loadExposures(keys: readonly string[]): Promise<VersionedExposure[]> {
    const get = this.#db.prepare("SELECT body, version FROM event_exposures WHERE exposure_key = ?");
    const out: VersionedExposure[] = [];
    for (const key of keys) {
      const row = get.get(key) as { body: string; version: number } | undefined;
      if (row !== undefined) {
        out.push({ key, exposure: JSON.parse(row.body) as Exposure, version: String(row.version) });
      }
    }
    return out;
  }

  async findingsOf(key: string, limit: number): Promise<StoredFinding[]> {
    const rows = this.#db
      .prepare(
        "SELECT finding, facts FROM event_findings WHERE exposure_key = ? ORDER BY event_time DESC, event_id DESC LIMIT ?",
      )
      .all(key, limit) as { finding: string; facts: string }[];
    return rows.map((r) => ({
      finding: JSON.parse(r.finding) as Finding,
      facts: JSON.parse(r.facts) as ExposureFacts,
    }));
  }

  async commit(changes: StateChanges, now: number): Promise<CommitOutcome> {
    const size = commitSize(changes);
    if (size > MAX_COMMIT_ITEMS) {
      throw new StoreError(
        `a commit of ${size} items exceeds the limit of ${MAX_COMMIT_ITEMS}; split the batch before committing`,
      );
    }
    return this.#db
      .transaction((): CommitOutcome => {
        const duplicates = changes.processed.filter(
          (id) =>
            this.#db
              .prepare("SELECT 1 FROM event_marks WHERE event_id = ? AND expires_at > ?")
              .get(id, now) !== undefined,
        );
        const staleBaselines = changes.baselines.filter((b) => {
          const row = this.#db
            .prepare("SELECT value FROM baselines WHERE namespace = ? AND key = ?")
            .get(b.namespace, b.key) as { value: string } | undefined;
          return row?.value !== b.expected;
        });
        const staleExposures = changes.exposures
          .filter((e) => {
            const row = this.#db
              .prepare("SELECT version FROM event_exposures WHERE exposure_key = ?")
              .get(e.key) as { version: number } | undefined;
            return (row === undefined ? undefined : String(row.version)) !== e.expected;
          })
          .map((e) => e.key);
        if (duplicates.length > 0 || staleBaselines.length > 0 || staleExposures.length > 0) {
          return {
            ok: false,
            duplicates,
            staleBaselines: staleBaselines.map(({ namespace, key }) => ({ namespace, key })),
            staleExposures,
          };
        }
        const mark = this.#db.prepare(
          "INSERT INTO event_marks (event_id, expires_at) VALUES (?, ?) ON CONFLICT (event_id) DO UPDATE SET expires_at = excluded.expires_at",
        );
        for (const id of changes.processed) mark.run(id, now + this.markTtlMs);
        const baselineVersions = new Map<string, string>();
        const put = this.#db.prepare(
          "INSERT INTO baselines (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
        );
        for (const b of changes.baselines) {
          const json = JSON.stringify(b.value);
          put.run(b.namespace, b.key, json);
          baselineVersions.set(refId(b), json);
        }
        const finding = this.#db.prepare(
          `INSERT INTO event_findings (exposure_key, event_time, event_id, credential, finding, facts) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (exposure_key, event_time, event_id, credential) DO UPDATE SET finding = excluded.finding, facts = excluded.facts`,
        );
        for (const { finding: f, facts } of changes.findings) {
          const key = exposureKey(facts);
          const credential = `${f.credential.kind}|${f.credential.id}`;
          finding.run(key, f.eventTime, f.eventId, credential, JSON.stringify(f), JSON.stringify(facts));
        }
        const exposureVersions = new Map<string, string>();
        const exposure = this.#db.prepare(
          `INSERT INTO event_exposures (exposure_key, body, version) VALUES (?, ?, 1)
           ON CONFLICT (exposure_key) DO UPDATE SET body = excluded.body, version = event_exposures.version + 1
           RETURNING version`,
        );
        for (const e of changes.exposures) {
          const row = exposure.get(e.key, JSON.stringify(e.exposure)) as { version: number };
          exposureVersions.set(e.key, String(row.version));
        }
        const handoff = this.#db.prepare(
          "INSERT INTO event_handoffs (id, at, body) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        );
        for (const h of changes.handoffs ?? []) handoff.run(h.id, h.at, JSON.stringify(h));
        return { ok: true, baselineVersions, exposureVersions };
      })
      .immediate();
  }

  async pendingHandoffs(limit: number): Promise<Handoff[]> {
    const rows = this.#db.prepare("SELECT body FROM event_handoffs ORDER BY at, id LIMIT ?").all(limit) as {
      body: string;
    }[];
    return rows.map((r) => JSON.parse(r.body) as Handoff);
  }

  async completeHandoff(handoff: Handoff): Promise<void> {
    this.#db.prepare("DELETE FROM event_handoffs WHERE id = ?").run(handoff.id);
  }

  close(): void {
    this.#db.close();
  }
}
