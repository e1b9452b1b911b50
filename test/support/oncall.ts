import type { ApprovalRequest } from "../../shared/domain/approvals/request.ts";
import type { BreakGlassException } from "../../shared/domain/exceptions/exception.ts";
import { endOf } from "../../shared/domain/exceptions/exception.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { canonicalJson } from "../../shared/domain/ledger/canonical-json.ts";
import { sealRecord } from "../../shared/domain/ledger/chain.ts";
import { type LedgerQuery, matchesQuery } from "../../shared/domain/ledger/query.ts";
import type { LedgerEntry, LedgerRecord } from "../../shared/domain/ledger/record.ts";
import { planPlaybook } from "../../shared/domain/playbooks/catalog.ts";
import type { PlaybookRequest } from "../../shared/domain/playbooks/executor.ts";
import type { ApprovalStore } from "../../shared/ports/approval-store.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { ExceptionStore } from "../../shared/ports/exception-store.ts";
import type { LedgerStore } from "../../shared/ports/ledger-store.ts";
import type { PlaybookDispatch } from "../../shared/ports/playbook-dispatch.ts";
import type { StoredExposures } from "../../shared/ports/stored-exposures.ts";

/** A clock a test moves by hand: `set`, `advance` (ms). */
export class TestClock implements Clock {
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  set(at: number): this {
    this.at = at;
    return this;
  }
  advance(ms: number): this {
    this.at += ms;
    return this;
  }
}

/** An in-memory LedgerStore: the port's contract without SQLite. */
export class MemoryLedger implements LedgerStore {
  readonly records: LedgerRecord[] = [];
  async append(entries: readonly LedgerEntry[]): Promise<readonly LedgerRecord[]> {
    return entries.map((e) => {
      const record = sealRecord(e, this.records.at(-1));
      this.records.push(record);
      return record;
    });
  }
  async *read(query: LedgerQuery = {}): AsyncIterable<LedgerRecord> {
    for (const r of this.records) if (matchesQuery(r, query)) yield r;
  }
  async count(query: LedgerQuery = {}): Promise<number> {
    return this.records.filter((r) => matchesQuery(r, query)).length;
  }
  async *stored(): AsyncIterable<unknown> {
    yield* this.records;
  }
  close(): void {}
  /** The actions recorded, in order. */
  actions(): string[] {
    return this.records.map((r) => r.action);
  }
}

/** An in-memory ApprovalStore with the SQLite store's semantics (copies, one open request per key). */
export class MemoryApprovalStore implements ApprovalStore {
  readonly requests = new Map<string, ApprovalRequest>();
  async open(request: ApprovalRequest, at: number) {
    const open = [...this.requests.values()].find(
      (r) => r.key === request.key && r.status === "pending" && r.expiresAt > at,
    );
    if (open !== undefined) return { request: structuredClone(open), created: false };
    this.requests.set(request.id, structuredClone(request));
    return { request: structuredClone(request), created: true };
  }
  async get(id: string) {
    const request = this.requests.get(id);
    return request === undefined ? undefined : structuredClone(request);
  }
  async list() {
    return [...this.requests.values()].reverse().map((r) => structuredClone(r));
  }
  async update<R>(id: string, change: (current: ApprovalRequest) => { next?: ApprovalRequest; result: R }) {
    const current = this.requests.get(id);
    if (current === undefined) return undefined;
    const { next, result } = change(structuredClone(current));
    if (next !== undefined) this.requests.set(id, structuredClone(next));
    return result;
  }
}

/** An in-memory ExceptionStore with the SQLite store's semantics. */
export class MemoryExceptionStore implements ExceptionStore {
  readonly exceptions = new Map<string, BreakGlassException>();
  async activeAt(at: number) {
    return [...this.exceptions.values()].filter((e) => endOf(e) > at).map((e) => structuredClone(e));
  }
  async insert(exception: BreakGlassException) {
    if (this.exceptions.has(exception.id)) throw new Error(`duplicate exception id ${exception.id}`);
    this.exceptions.set(exception.id, structuredClone(exception));
  }
  async get(id: string) {
    const e = this.exceptions.get(id);
    return e === undefined ? undefined : structuredClone(e);
  }
  async list() {
    return [...this.exceptions.values()].reverse().map((e) => structuredClone(e));
  }
  async update(id: string, change: (current: BreakGlassException) => BreakGlassException | undefined) {
    const before = this.exceptions.get(id);
    if (before === undefined) return undefined;
    const after = change(structuredClone(before));
    if (after === undefined) return { before: structuredClone(before) };
    this.exceptions.set(id, structuredClone(after));
    return { before: structuredClone(before), after: structuredClone(after) };
  }
}

/** Stored exposures in memory, one per credential. */
export class MemoryStoredExposures implements StoredExposures {
  readonly exposures = new Map<string, Exposure>();
  constructor(exposures: readonly Exposure[] = []) {
    for (const e of exposures)
      this.exposures.set(`${e.credential.kind}:${e.credential.id}`, structuredClone(e));
  }
  async suppressed() {
    return [...this.exposures.values()]
      .filter((e) => e.decision === "suppressed-by-exception")
      .map((e) => structuredClone(e));
  }
  async replace(previous: Exposure, next: Exposure) {
    const key = `${previous.credential.kind}:${previous.credential.id}`;
    const current = this.exposures.get(key);
    if (current === undefined || canonicalJson(current) !== canonicalJson(previous)) return false;
    this.exposures.set(key, structuredClone(next));
    return true;
  }
}

/** Sequential ids with a prefix: `apr-1`, `apr-2`… */
export function ids(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

/** A decided exposure of an access key of `svc-ci` (or the given principal and credential). */
export function exposureOf(
  fields: Partial<Exposure> & { decision: Exposure["decision"] },
  at = Date.parse("2026-03-10T12:00:00Z"),
): Exposure {
  const credential = fields.credential ?? { kind: "access-key" as const, id: "AKIAEXAMPLE000000001" };
  const principal = fields.principal ?? "arn:aws:iam::111122223333:user/svc-ci";
  const playbookId =
    credential.kind === "role-session"
      ? "quarantine-role"
      : credential.kind === "access-key"
        ? "deactivate-access-key"
        : "notify";
  return {
    credential,
    principal,
    score: 70,
    severity: "high",
    signals: ["unexpected-source"],
    findings: 1,
    factors: [{ name: "what-happened", points: 20, reason: "unexpected-source" }],
    reasons: [{ signal: "unexpected-source", reason: "203.0.113.9 is not among the profile's sources" }],
    firstSeen: "2026-03-10T11:00:00.000Z",
    lastSeen: "2026-03-10T11:05:00.000Z",
    decisionReason: "high reaches the approval band; playbook from the default",
    playbook: planPlaybook(playbookId, { credential, principalArn: principal, at }),
    ...fields,
  };
}

/** A PlaybookDispatch that records what it was handed, in order, instead of queueing it. */
export class MemoryPlaybookDispatch implements PlaybookDispatch {
  readonly calls: Array<{ readonly request: PlaybookRequest; readonly dedupeKey: string }> = [];
  async dispatch(request: PlaybookRequest, dedupeKey: string): Promise<void> {
    this.calls.push({ request: structuredClone(request), dedupeKey });
  }
}
