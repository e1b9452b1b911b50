import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../shared/domain/ledger/canonical-json.ts";
import { GENESIS_HASH, recordHash, sealRecord, verifyChain } from "../../../shared/domain/ledger/chain.ts";
import { ledgerEntry } from "../../../shared/domain/ledger/entry.ts";
import { LedgerError, type LedgerRecord } from "../../../shared/domain/ledger/record.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");

function entryAt(i: number) {
  return ledgerEntry({
    at: T0 + i * 60_000,
    actor: { kind: "vigil", id: "vigil" },
    action: "finding-decided",
    subject: { kind: "access-key", id: `AKIAEXAMPLE00000000${i}` },
    reason: `decision ${i}`,
    change: { decision: "notify", score: 40 + i },
    signals: ["unexpected-source"],
  });
}

/** A sealed chain of `n` records, 1 minute apart. */
function chain(n: number): LedgerRecord[] {
  const records: LedgerRecord[] = [];
  for (let i = 1; i <= n; i++) records.push(sealRecord(entryAt(i), records.at(-1)));
  return records;
}

/** What someone who knows the algorithm writes to forge a record: a valid hash over altered content. */
function forge(record: LedgerRecord, changes: Partial<LedgerRecord>): LedgerRecord {
  const { hash: _old, ...rest } = { ...record, ...changes };
  return { ...rest, hash: recordHash(rest) };
}

describe("canonicalJson", () => {
  it("sorts keys at every level and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x y" } })).toBe(
      '{"a":{"c":"x y","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it("gives the same text whatever order the keys were written in", () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it("leaves out keys whose value is undefined", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it("refuses what JSON cannot hold", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(LedgerError);
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(/Date: ledger records hold plain JSON only/);
    expect(() => canonicalJson([undefined])).toThrow(LedgerError);
  });
});

describe("sealRecord", () => {
  it("starts the chain at sequence 1 from the genesis value", () => {
    const [first] = chain(1);
    expect(first?.seq).toBe(1);
    expect(first?.prevHash).toBe(GENESIS_HASH);
    expect(first?.version).toBe(1);
  });

  it("hashes the canonical JSON of the record without its hash with SHA-256", () => {
    const [first] = chain(1);
    const { hash, ...rest } = first!;
    const expected = createHash("sha256").update(canonicalJson(rest)).digest("hex");
    expect(hash).toBe(expected);
    expect(canonicalJson(rest)).toMatch(
      /^\{"action":"finding-decided","actor":\{"id":"vigil","kind":"vigil"\},/,
    );
  });

  it("chains each record to the one before it", () => {
    const [a, b, c] = chain(3);
    expect([b?.seq, b?.prevHash]).toEqual([2, a?.hash]);
    expect([c?.seq, c?.prevHash]).toEqual([3, b?.hash]);
    expect(new Set([a?.hash, b?.hash, c?.hash]).size).toBe(3);
  });

  it("refuses an entry whose time is not an ISO instant", () => {
    expect(() => sealRecord({ ...entryAt(1), time: "2026-03-10 12:00" }, undefined)).toThrow(
      /cannot record "finding-decided": time must be written like 2026-03-10T12:00:00.000Z/,
    );
  });

  it("refuses a change that is not plain JSON", () => {
    const entry = { ...entryAt(1), change: { at: new Date(0) as unknown as string } };
    expect(() => sealRecord(entry, undefined)).toThrow(LedgerError);
  });
});

describe("verifyChain", () => {
  it("finds an intact chain intact and names its head", async () => {
    const records = chain(4);
    expect(await verifyChain(() => records)).toEqual({ intact: true, count: 4, head: records[3]?.hash });
  });

  it("finds an empty ledger intact at the genesis value", async () => {
    expect(await verifyChain(() => [])).toEqual({ intact: true, count: 0, head: GENESIS_HASH });
  });

  it("names an edited record whose hash no longer matches", async () => {
    const records = chain(5);
    records[2] = { ...records[2]!, reason: "nothing happened" };
    const verdict = await verifyChain(() => records);
    expect(verdict.intact).toBe(false);
    if (verdict.intact) return;
    expect(verdict.problem).toMatchObject({ kind: "edited", seq: 3, position: 3 });
    expect(verdict.problem.reason).toMatch(/^record 3 at position 3 was edited: its content hashes to/);
  });

  it("names an edited record that gained a field", async () => {
    const records: unknown[] = chain(3);
    records[1] = { ...(records[1] as LedgerRecord), note: "added" };
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "edited",
      seq: 2,
      position: 2,
    });
  });

  it("names stored text that is not JSON as edited", async () => {
    const records: unknown[] = chain(3);
    records[1] = "{garbage";
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "edited",
      seq: undefined,
      position: 2,
    });
    expect(verdict.intact ? "" : verdict.problem.reason).toContain("its stored text is not JSON");
  });

  it("names an edited record that was re-hashed, by the next record's broken link", async () => {
    const records = chain(4);
    records[1] = forge(records[1]!, { reason: "rewritten" });
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "edited",
      seq: 2,
      position: 2,
    });
  });

  it("names a deleted record in the middle", async () => {
    const records = chain(5);
    records.splice(2, 1);
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "deleted",
      seq: 3,
      position: 3,
    });
    expect(verdict.intact ? "" : verdict.problem.reason).toMatch(
      /^record 3 is missing: record 4 \(2026-03-10T12:04:00.000Z\)/,
    );
  });

  it("names several deleted records at the start", async () => {
    const records = chain(5).slice(2);
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "deleted",
      seq: 1,
      position: 1,
    });
    expect(verdict.intact ? "" : verdict.problem.reason).toMatch(/^records 1 to 2 are missing/);
  });

  it("names a record inserted in the middle with a valid hash", async () => {
    const records = chain(5);
    const forged = forge(records[2]!, { reason: "approved by nobody" });
    records.splice(2, 0, forged);
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "inserted",
      seq: 3,
      position: 3,
    });
  });

  it("names a copy of an earlier record inserted later", async () => {
    const records = chain(4);
    records.splice(3, 0, records[2]!);
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({ kind: "inserted", seq: 3 });
  });

  it("names a copy of the first record appended at the end as inserted", async () => {
    const records = chain(3);
    records.push(records[0]!);
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "inserted",
      seq: 1,
      position: 4,
    });
  });

  it("names a record that comes after a later one as reordered", async () => {
    const records = chain(4);
    const moved = records.splice(1, 1)[0]!;
    records.splice(2, 0, moved);
    // 1, 3, 2, 4: record 3 comes before record 2
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "reordered",
      seq: 3,
      position: 2,
    });
  });

  it("names records inserted before a renumbered record by the link it kept", async () => {
    const records = chain(4);
    const forged = forge(records[2]!, { reason: "approved by nobody" });
    const renumbered = records.slice(2).map((r) => forge(r, { seq: r.seq + 1 }));
    const verdict = await verifyChain(() => [records[0], records[1], forged, ...renumbered]);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "inserted",
      seq: 3,
      position: 3,
    });
  });

  it("names a record that skips sequence numbers but chains directly as inserted", async () => {
    const records = chain(2);
    records[1] = forge(records[1]!, { seq: 7 });
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "inserted",
      seq: 7,
      position: 2,
    });
  });

  it("names a first record that does not start from the genesis value", async () => {
    const records = chain(3);
    records[0] = forge(records[0]!, { prevHash: "f".repeat(64) });
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "inserted",
      seq: 1,
      position: 1,
    });
  });

  it("names swapped records as reordered", async () => {
    const records = chain(5);
    [records[2], records[3]] = [records[3]!, records[2]!];
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "reordered",
      seq: 4,
      position: 3,
    });
    expect(verdict.intact ? "" : verdict.problem.reason).toBe(
      "records were reordered: record 4 (2026-03-10T12:04:00.000Z) at position 3 comes before record 3 (2026-03-10T12:03:00.000Z)",
    );
  });

  it("names a record moved to the end as reordered, not deleted", async () => {
    const records = chain(5);
    const [moved] = records.splice(1, 1);
    records.push(moved!);
    const verdict = await verifyChain(() => records);
    expect(verdict.intact ? undefined : verdict.problem).toMatchObject({
      kind: "reordered",
      seq: 3,
      position: 2,
    });
  });

  it("walks an async source once when the chain is intact, and again only to find an inserted run's anchor", async () => {
    let walks = 0;
    const walking = (items: readonly unknown[]) => () => {
      walks += 1;
      return (async function* () {
        yield* items;
      })();
    };
    const records = chain(4);
    expect(await verifyChain(walking(records))).toEqual({ intact: true, count: 4, head: records[3]?.hash });
    expect(walks).toBe(1);

    walks = 0;
    const forged = forge(records[2]!, { reason: "approved by nobody" });
    const renumbered = records.slice(2).map((r) => forge(r, { seq: r.seq + 1 }));
    const verdict = await verifyChain(walking([records[0], records[1], forged, ...renumbered]));
    expect(verdict).toMatchObject({
      intact: false,
      count: 5,
      problem: { kind: "inserted", seq: 3, position: 3 },
    });
    expect(walks).toBe(2);
  });
});
