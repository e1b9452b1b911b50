import { describe, expect, it } from "vitest";
import { verifyChain } from "../../shared/domain/ledger/chain.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import { type LedgerEntry, LedgerError, type LedgerRecord } from "../../shared/domain/ledger/record.ts";
import type { LedgerStore } from "../../shared/ports/ledger-store.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const KEY = "AKIAEXAMPLE000000001";

function entry(n: number, subject: LedgerEntry["subject"] = { kind: "access-key", id: KEY }): LedgerEntry {
  return ledgerEntry({
    at: T0 + n * 60_000,
    actor: { kind: "vigil", id: "vigil" },
    action: "finding-decided",
    subject,
    reason: `decision ${n}`,
    change: { n },
  });
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * The behaviour every LedgerStore must have. `fresh()` makes a new, empty ledger and resolves to a
 * function that opens another handle on it (another process, another Lambda instance).
 */
export function ledgerStoreContract(subject: string, fresh: () => Promise<() => LedgerStore>): void {
  describe(`${subject} (LedgerStore contract)`, () => {
    it("seals appends after the last record, chained from the genesis value, and reads them back in order", async () => {
      const open = await fresh();
      const store = open();
      const first = await store.append([entry(1), entry(2)]);
      const second = await open().append([entry(3)]);
      expect([...first, ...second].map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(second[0]?.prevHash).toBe(first[1]?.hash);
      expect(first[0]?.prevHash).toBe("0".repeat(64));
      expect(first[1]).toMatchObject({ ...entry(2), version: 1, seq: 2, prevHash: first[0]?.hash });
      const reader = open();
      expect(await all(reader.read())).toEqual([...first, ...second]);
      expect(await reader.count()).toBe(3);
      expect(await verifyChain(() => reader.stored())).toEqual({
        intact: true,
        count: 3,
        head: second[0]?.hash,
      });
      store.close();
      reader.close();
    });

    it("holds nothing when new, and an empty append writes nothing", async () => {
      const store = (await fresh())();
      expect(await store.append([])).toEqual([]);
      expect(await all(store.read())).toEqual([]);
      expect(await store.count()).toBe(0);
      expect(await verifyChain(() => store.stored())).toMatchObject({ intact: true, count: 0 });
      store.close();
    });

    it("reads and counts a period (from inclusive, to exclusive) and a subject by id or kind:id", async () => {
      const store = (await fresh())();
      const other = { kind: "principal" as const, id: "arn:aws:iam::111122223333:role/app" };
      await store.append([entry(1), entry(2, other), entry(3), entry(4, other)]);
      const period = { from: entry(2).time, to: entry(4).time };
      expect((await all(store.read(period))).map((r) => r.seq)).toEqual([2, 3]);
      expect(await store.count(period)).toBe(2);
      expect((await all(store.read({ subject: KEY }))).map((r) => r.seq)).toEqual([1, 3]);
      expect((await all(store.read({ subject: `principal:${other.id}` }))).map((r) => r.seq)).toEqual([2, 4]);
      expect(await store.count({ subject: `access-key:${other.id}` })).toBe(0);
      expect(await store.count({ subject: KEY, from: entry(2).time })).toBe(1);
      store.close();
    });

    it("refuses an append holding an invalid entry and writes none of its entries", async () => {
      const store = (await fresh())();
      await store.append([entry(1)]);
      const bad = { ...entry(3), time: "yesterday" };
      await expect(store.append([entry(2), bad])).rejects.toThrow(LedgerError);
      expect(await store.count()).toBe(1);
      const next = await store.append([entry(2)]);
      expect(next.map((r) => r.seq)).toEqual([2]);
      store.close();
    });

    it("never forks the chain when several writers append at once: every append lands whole, in some order", async () => {
      const open = await fresh();
      const appended = await Promise.all(
        [0, 1, 2, 3].map((w) => open().append([entry(10 * w + 1), entry(10 * w + 2), entry(10 * w + 3)])),
      );
      for (const records of appended) {
        const seqs = records.map((r) => r.seq);
        expect(seqs).toEqual([seqs[0], (seqs[0] ?? 0) + 1, (seqs[0] ?? 0) + 2]);
      }
      const reader = open();
      const stored = await all(reader.read());
      expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const bySeq = (a: LedgerRecord, b: LedgerRecord) => a.seq - b.seq;
      expect(stored).toEqual(appended.flat().sort(bySeq));
      expect(await verifyChain(() => reader.stored())).toMatchObject({ intact: true, count: 12 });
      reader.close();
    });
  });
}
