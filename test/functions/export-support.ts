import { readFileSync } from "node:fs";
import { sealRecord } from "../../shared/domain/ledger/chain.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import type { LedgerEntry, LedgerRecord } from "../../shared/domain/ledger/record.ts";
import type { LedgerStore } from "../../shared/ports/ledger-store.ts";
import type { ArchivedObject, ArchiveObject, RecordArchive } from "../../shared/ports/record-archive.ts";

/** A fixture under test/functions/fixtures/, parsed. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;
}

/** The n-th (1-based) entry of a test ledger: a decided finding about svc-ci's key, a minute apart. */
export function entry(n: number): LedgerEntry {
  return ledgerEntry({
    at: Date.parse("2026-03-09T08:00:00Z") + n * 60_000,
    actor: { kind: "vigil", id: "evaluate" },
    action: "finding-decided",
    subject: { kind: "access-key", id: "AKIAIOSFODNN7CIKEY01" },
    reason: `finding ${n}: unexpected-source`,
    change: { decision: "notify", n },
  });
}

/** A ledger over a plain array of stored items, so a test can tamper with what is stored. */
export class ArrayLedger implements LedgerStore {
  readonly items: unknown[] = [];
  async append(entries: readonly LedgerEntry[]): Promise<readonly LedgerRecord[]> {
    const sealed: LedgerRecord[] = [];
    for (const e of entries) {
      const record = sealRecord(e, this.items.at(-1) as LedgerRecord | undefined);
      this.items.push(record);
      sealed.push(record);
    }
    return sealed;
  }
  async *read(): AsyncIterable<LedgerRecord> {
    for (const item of this.items) yield item as LedgerRecord;
  }
  async count(): Promise<number> {
    return this.items.length;
  }
  async *stored(): AsyncIterable<unknown> {
    for (const item of this.items) yield item;
  }
  close(): void {}
  /** Appends entries 1..n after what is there. */
  async fill(n: number): Promise<void> {
    const start = this.items.length;
    for (let i = 1; i <= n; i++) await this.append([entry(start + i)]);
  }
}

/** A RecordArchive in memory with S3's write-once semantics; `objects` are what was written. */
export class MemoryArchive implements RecordArchive {
  readonly objects = new Map<string, ArchiveObject & { versionId: string }>();
  puts = 0;
  async list(prefix: string): Promise<readonly ArchivedObject[]> {
    return [...this.objects.values()]
      .filter((o) => o.key.startsWith(prefix))
      .map((o) => ({ key: o.key, versionId: o.versionId }));
  }
  async metadata(object: ArchivedObject): Promise<Readonly<Record<string, string>>> {
    const stored = this.objects.get(object.key);
    if (stored === undefined) throw new Error(`no object ${object.key}`);
    return stored.metadata;
  }
  async putOnce(object: ArchiveObject) {
    this.puts++;
    if (this.objects.has(object.key)) return { written: false };
    const versionId = `v${this.objects.size + 1}`;
    this.objects.set(object.key, { ...object, versionId });
    return { written: true, versionId };
  }
  /** Lines of the object at `key`, parsed. */
  lines(key: string): Array<Record<string, unknown>> {
    const body = this.objects.get(key)?.body ?? "";
    return body
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
