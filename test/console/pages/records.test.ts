import { describe, expect, it } from "vitest";
import { parseRecordsFilter, recordsPage } from "../../../shared/console/pages/records.ts";
import { sealRecord } from "../../../shared/domain/ledger/chain.ts";
import { ledgerEntry } from "../../../shared/domain/ledger/entry.ts";
import { HOSTILE_AGENT, SEEDED_AT } from "../../support/console-store.ts";

const first = sealRecord(
  ledgerEntry({
    at: SEEDED_AT,
    actor: { kind: "vigil", id: "vigil" },
    action: "finding-decided",
    subject: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
    reason: `user agent ${HOSTILE_AGENT}`,
    change: { userAgent: HOSTILE_AGENT },
  }),
  undefined,
);
const { version: _v, seq: _s, prevHash: _p, hash: _h, ...entry } = first;
const second = sealRecord(
  { ...entry, time: new Date(SEEDED_AT + 1000).toISOString(), reason: "later" },
  first,
);

describe("recordsPage", () => {
  it("lists records newest first with the chain verdict and export links carrying the filter", () => {
    const text = String(
      recordsPage({
        records: [first, second],
        verdict: { intact: true, count: 2, head: second.hash },
        filter: { subject: "AKIA&1", from: "2026-03-01" },
      }),
    );
    expect(text.indexOf('id="record-2"')).toBeLessThan(text.indexOf('id="record-1"'));
    expect(text).toContain("Chain intact</strong>: 2 records verified");
    expect(text).toContain('href="/records/export?format=csv&amp;from=2026-03-01&amp;subject=AKIA%261"');
  });

  it("escapes event-derived reasons and changes", () => {
    const text = String(
      recordsPage({ records: [first], verdict: { intact: true, count: 1, head: first.hash }, filter: {} }),
    );
    expect(text).not.toContain("<img");
    expect(text).toContain("&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;");
  });

  it("names the first bad record of a tampered chain", () => {
    const text = String(
      recordsPage({
        records: [first],
        verdict: {
          intact: false,
          count: 2,
          problem: { kind: "deleted", seq: 2, position: 2, reason: "record 2 is missing" },
        },
        filter: {},
      }),
    );
    expect(text).toContain("Chain TAMPERED (deleted)</strong> at position 2: record 2 is missing");
  });
});

describe("parseRecordsFilter", () => {
  it("reads dates as midnight UTC and keeps the subject", () => {
    const { query, error } = parseRecordsFilter(
      new URLSearchParams("from=2026-03-01&to=2026-04-01&subject=AKIA1"),
    );
    expect(error).toBeUndefined();
    expect(query).toEqual({
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-04-01T00:00:00.000Z",
      subject: "AKIA1",
    });
  });

  it("refuses impossible dates and an empty period, and then filters nothing", () => {
    expect(parseRecordsFilter(new URLSearchParams("from=2026-02-30")).error).toMatch(
      /from "2026-02-30" is not a date/,
    );
    const reversed = parseRecordsFilter(new URLSearchParams("from=2026-04-01&to=2026-03-01"));
    expect(reversed.error).toMatch(/is not before/);
    expect(reversed.query).toEqual({});
  });
});
