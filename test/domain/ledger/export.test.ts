import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditReport, formatDuration, markdownText } from "../../../shared/domain/ledger/audit-report.ts";
import { canonicalJson } from "../../../shared/domain/ledger/canonical-json.ts";
import { sealRecord, verifyChain } from "../../../shared/domain/ledger/chain.ts";
import { type EntryInput, ledgerEntry } from "../../../shared/domain/ledger/entry.ts";
import { CSV_COLUMNS, csvField, toCsv, toJsonLines } from "../../../shared/domain/ledger/export.ts";
import type { LedgerRecord } from "../../../shared/domain/ledger/record.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const KEY = { kind: "access-key", id: "AKIAEXAMPLE000000001" } as const;
const ROLE = { kind: "role-session", id: "arn:aws:iam::111122223333:role/batch-worker" } as const;
const vigil = { kind: "vigil", id: "vigil" } as const;

function finding(at: number, subject: EntryInput["subject"], reason: string, principal: string): EntryInput {
  return {
    at,
    actor: vigil,
    action: "finding-decided",
    subject,
    reason,
    signals: ["logging-tampering"],
    change: {
      decision: "needs-approval",
      severity: "high",
      score: 72,
      principal,
      firstSeen: "2026-03-07T02:14:00Z",
      signals: ["logging-tampering"],
    },
  };
}

/** A ledger story: the key is detected, approved, notified, contained; the role is detected only. */
function story(): LedgerRecord[] {
  const inputs: EntryInput[] = [
    finding(T0, KEY, "high reaches the approval band", "arn:aws:iam::111122223333:user/svc-ci"),
    {
      at: T0 + 60_000,
      actor: vigil,
      action: "approval-requested",
      subject: KEY,
      reason: "needs approval",
      change: { approvalId: "apr-1" },
    },
    {
      at: T0 + 600_000,
      actor: { kind: "human", id: "alice@example.com" },
      action: "approval-decided",
      subject: KEY,
      reason: "confirmed with the CI owner",
      change: { approvalId: "apr-1", decision: "approved" },
    },
    {
      at: T0 + 660_000,
      actor: vigil,
      action: "playbook-step",
      subject: KEY,
      reason: "approved by alice@example.com",
      change: { step: "notify", target: "arn:aws:iam::111122223333:user/svc-ci", status: "applied" },
    },
    {
      at: T0 + 2 * 3_600_000 + 14 * 60_000 + 5_000,
      actor: vigil,
      action: "playbook-step",
      subject: KEY,
      reason: "approved by alice@example.com",
      change: { step: "deactivate-access-key", target: KEY.id, status: "applied" },
    },
    finding(T0 + 3 * 3_600_000, ROLE, '=HYPERLINK("http://evil") | [click](http://evil) <b>\nnext', ROLE.id),
  ];
  const records: LedgerRecord[] = [];
  for (const input of inputs) records.push(sealRecord(ledgerEntry(input), records.at(-1)));
  return records;
}

describe("toJsonLines", () => {
  it("writes one canonical record per line, each re-hashable to its hash", async () => {
    const records = story();
    const lines = toJsonLines(records).split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(records.length + 1);
    const parsed = lines.slice(0, -1).map((l) => JSON.parse(l) as LedgerRecord);
    expect(parsed).toEqual(records);
    const { hash, ...rest } = parsed[2]!;
    expect(createHash("sha256").update(canonicalJson(rest)).digest("hex")).toBe(hash);
    expect((await verifyChain(() => parsed)).intact).toBe(true);
  });
});

describe("csvField", () => {
  it("leaves plain values alone", () => {
    expect(csvField("AKIAEXAMPLE000000001")).toBe("AKIAEXAMPLE000000001");
  });

  it("quotes commas, quotes and line breaks, doubling quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
  });

  it("neutralizes values a spreadsheet would run as a formula", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField(' =cmd|" /c calc"!A0')).toBe(`"' =cmd|"" /c calc""!A0"`);
    expect(csvField("a=b")).toBe("a=b");
  });
});

describe("toCsv", () => {
  it("writes a header and one row per record with CRLF line ends", () => {
    const records = story();
    const text = toCsv(records);
    const [header] = text.split("\r\n");
    expect(header).toBe(CSV_COLUMNS.join(","));
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text).toContain(
      `1,2026-03-10T12:00:00.000Z,vigil,vigil,finding-decided,access-key,AKIAEXAMPLE000000001,high reaches the approval band,`,
    );
    expect(text).toContain(
      `,DE.CM-01 DE.CM-03 DE.AE-02 DE.AE-04,NHI5:2025,${records[0]?.prevHash},${records[0]?.hash}\r\n`,
    );
  });

  it("keeps an attacker-written reason one inert quoted field", () => {
    const text = toCsv(story());
    expect(text).toContain(`,"'=HYPERLINK(""http://evil"") | [click](http://evil) <b>\nnext",`);
  });
});

describe("formatDuration", () => {
  it("writes days, hours, minutes and seconds, leaving out zeros", () => {
    expect(formatDuration((2 * 3600 + 14 * 60 + 5) * 1000)).toBe("2 h 14 min 5 s");
    expect(formatDuration(86_400_000 + 60_000)).toBe("1 d 1 min");
    expect(formatDuration(0)).toBe("0 s");
  });
});

describe("markdownText", () => {
  it("escapes links, HTML and table cells, and shows control characters as visible escapes", () => {
    expect(markdownText("a | [x](http://e) <b>\nnext\x1b[31m")).toBe(
      "a \\| \\[x\\](http://e) \\<b\\>\\\\x0anext\\\\x1b\\[31m",
    );
  });
});

describe("auditReport", () => {
  const report = async () =>
    auditReport(story(), {
      from: "2026-03-10T00:00:00.000Z",
      to: "2026-03-11T00:00:00.000Z",
      generatedAt: Date.parse("2026-03-12T09:00:00Z"),
      chain: await verifyChain(() => story()),
    });

  it("states the period, the generation time and the chain's state", async () => {
    const text = await report();
    expect(text).toContain(
      "- Period: 2026-03-10T00:00:00.000Z (inclusive) to 2026-03-11T00:00:00.000Z (exclusive)",
    );
    expect(text).toContain("- Generated: 2026-03-12T09:00:00.000Z");
    expect(text).toContain(
      `- Hash chain of the whole ledger: intact: 6 records, head hash \`${story()[5]?.hash}\``,
    );
    expect(text).toContain(
      "- Records in the period: 6 (finding-decided 2, approval-requested 1, approval-decided 1, playbook-step 2)",
    );
  });

  it("measures the exposure from first detection to the containing step, not the notification", async () => {
    const text = await report();
    expect(text).toContain(
      "| access-key AKIAEXAMPLE000000001 | needs-approval (high) | 2026-03-10T12:00:00.000Z | 2026-03-10T14:14:05.000Z | 2 h 14 min 5 s |",
    );
    expect(text).toContain(
      "- Contained: 2026-03-10T14:14:05.000Z by vigil: deactivate-access-key on AKIAEXAMPLE000000001: applied (record 5); the exposure lasted 2 h 14 min 5 s",
    );
  });

  it("names who approved, when and why", async () => {
    expect(await report()).toContain(
      "- Approvals: approved by alice@example.com at 2026-03-10T12:10:00.000Z (record 3): confirmed with the CI owner",
    );
  });

  it("lists every record of a subject with actor, action, what, why and controls", async () => {
    expect(await report()).toContain(
      "| 3 | 2026-03-10T12:10:00.000Z | human alice@example.com | approval-decided | approved | confirmed with the CI owner | RS.MA-02 PR.AA-05 |",
    );
  });

  it("says when an exposure was not contained, and keeps attacker text inert", async () => {
    const text = await report();
    expect(text).toContain(
      "| role-session arn:aws:iam::111122223333:role/batch-worker | needs-approval (high) | 2026-03-10T15:00:00.000Z | — | not contained in this period |",
    );
    expect(text).toContain('=HYPERLINK("http://evil") \\| \\[click\\](http://evil) \\<b\\>\\\\x0anext');
    expect(text).not.toContain("<b>");
  });

  it("does not count a failed containment step as containment", async () => {
    const records: LedgerRecord[] = [];
    for (const input of [
      finding(T0, KEY, "critical", "arn:aws:iam::111122223333:user/svc-ci"),
      {
        at: T0 + 60_000,
        actor: vigil,
        action: "playbook-step",
        subject: KEY,
        reason: "auto",
        change: { step: "deactivate-access-key", target: KEY.id, status: "failed" },
      } satisfies EntryInput,
    ]) {
      records.push(sealRecord(ledgerEntry(input), records.at(-1)));
    }
    const text = auditReport(records, { generatedAt: T0, chain: await verifyChain(() => records) });
    expect(text).toContain("| — | not contained in this period |");
    expect(text).toContain("deactivate-access-key on AKIAEXAMPLE000000001: failed");
  });

  it("reports a tampered chain", async () => {
    const records = story();
    records.splice(1, 1);
    const text = auditReport(records, { generatedAt: T0, chain: await verifyChain(() => records) });
    expect(text).toContain("- Hash chain of the whole ledger: **TAMPERED** (deleted): record 2 is missing");
    expect(text).toContain("- Period: all records");
  });

  it("says so when the period holds no records", async () => {
    expect(auditReport([], { generatedAt: T0, chain: await verifyChain(() => []) })).toContain(
      "No records in this period.",
    );
  });
});
