import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { recordsCommand } from "../../shared/cli/commands/records.ts";
import { UsageError } from "../../shared/cli/usage.ts";
import { VigilError } from "../../shared/domain/errors.ts";
import { type EntryInput, ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import type { LedgerRecord } from "../../shared/domain/ledger/record.ts";

const NOW = Date.parse("2026-03-12T09:00:00Z");
const KEY = { kind: "access-key", id: "AKIAEXAMPLE000000001" } as const;

/**
 * Runs `vigil records …` in-process as main() would once the command is registered: the same option
 * parsing and the same exit codes (0 done, 1 failed, 2 bad usage).
 */
async function records(
  argv: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    stdin: (async function* () {})(),
    env: {},
    cwd,
    clock: { now: () => NOW },
  };
  let code: number;
  try {
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: argv,
        options: recordsCommand.options,
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    code = await recordsCommand.run(parsed.positionals, parsed.values, io);
  } catch (error) {
    if (!(error instanceof VigilError)) throw error;
    stderr += `vigil: ${error.message}\n`;
    code = error instanceof UsageError ? 2 : 1;
  }
  return { code, stdout, stderr };
}

function input(at: string, overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    at: Date.parse(at),
    actor: { kind: "vigil", id: "vigil" },
    action: "finding-decided",
    subject: KEY,
    reason: "critical reaches the auto band",
    signals: ["logging-tampering"],
    change: {
      decision: "auto",
      severity: "critical",
      score: 91,
      principal: "arn:aws:iam::111122223333:user/svc-ci",
      firstSeen: "2026-03-07T02:14:00Z",
      signals: ["logging-tampering"],
    },
    ...overrides,
  };
}

let dir: string;
let sealed: readonly LedgerRecord[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-records-"));
  const ledger = new SqliteLedger(join(dir, ".vigil", "vigil.db"));
  sealed = await ledger.append(
    [
      input("2026-02-28T23:59:59Z"),
      input("2026-03-01T00:00:00Z"),
      input("2026-03-01T00:30:00Z", {
        action: "playbook-step",
        reason: "auto",
        change: { step: "deactivate-access-key", target: KEY.id, status: "applied" },
      }),
      input("2026-03-15T10:00:00Z", {
        subject: { kind: "role-session", id: "arn:aws:iam::111122223333:role/ops-automation" },
        reason: '=cmd|" /c calc"!A0, with "quotes"',
      }),
      input("2026-04-01T00:00:00Z"),
    ].map(ledgerEntry),
  );
  ledger.close();
});

function tamper(sql: string): void {
  const db = new Database(join(dir, ".vigil", "vigil.db"));
  db.exec("DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;");
  db.exec(sql);
  db.close();
}

describe("vigil records list", () => {
  it("lists every record, oldest first, with its reason", async () => {
    const { code, stdout, stderr } = await records(["list"], dir);
    expect([code, stderr]).toEqual([0, ""]);
    expect(stdout).toContain(
      "     1  2026-02-28T23:59:59.000Z  vigil:vigil       finding-decided       access-key:AKIAEXAMPLE000000001\n        critical reaches the auto band\n",
    );
    expect(stdout.endsWith("5 records\n")).toBe(true);
  });

  it("lists a period: --from inclusive, --to exclusive, dates at midnight UTC", async () => {
    const { stdout } = await records(["list", "--from", "2026-03-01", "--to", "2026-04-01", "--json"], dir);
    expect((JSON.parse(stdout) as LedgerRecord[]).map((r) => r.seq)).toEqual([2, 3, 4]);
  });

  it("takes times with an offset", async () => {
    const { stdout } = await records(
      ["list", "--from", "2026-03-01T01:00+01:00", "--to", "2026-03-01T00:30:00Z", "--json"],
      dir,
    );
    expect((JSON.parse(stdout) as LedgerRecord[]).map((r) => r.seq)).toEqual([2]);
  });

  it("lists one subject's records, by id or kind:id", async () => {
    const byId = await records(
      ["list", "--subject", "arn:aws:iam::111122223333:role/ops-automation", "--json"],
      dir,
    );
    expect((JSON.parse(byId.stdout) as LedgerRecord[]).map((r) => r.seq)).toEqual([4]);
    const byKey = await records(["list", "--subject", `access-key:${KEY.id}`, "--json"], dir);
    expect((JSON.parse(byKey.stdout) as LedgerRecord[]).map((r) => r.seq)).toEqual([1, 2, 3, 5]);
  });

  it("prints the records as JSON, hashes included", async () => {
    const { stdout } = await records(["list", "--json"], dir);
    expect(JSON.parse(stdout)).toEqual(sealed);
  });

  it("refuses a date that is not one, an impossible date and a time without offset", async () => {
    for (const bad of ["yesterday", "2026-02-30", "2026-03-01T10:00", "2026-03-01T24:00:00Z"]) {
      const { code, stderr } = await records(["list", "--from", bad], dir);
      expect(code, bad).toBe(2);
      expect(stderr).toContain(
        `--from ${JSON.stringify(bad)} is not a date; write 2026-03-01 (midnight UTC)`,
      );
    }
  });

  it("refuses a period that ends before it starts", async () => {
    const { code, stderr } = await records(["list", "--from", "2026-03-02", "--to", "2026-03-01"], dir);
    expect(code).toBe(2);
    expect(stderr).toContain("--from 2026-03-02 is not before --to 2026-03-01");
  });
});

describe("vigil records verify", () => {
  it("exits 0 and names the head hash when the chain is intact", async () => {
    const { code, stdout } = await records(["verify"], dir);
    expect(code).toBe(0);
    expect(stdout).toBe(`ledger intact: 5 records, head hash ${sealed[4]?.hash}\n`);
  });

  it("exits 1 naming an edited record", async () => {
    tamper(`UPDATE ledger SET record = json_set(record, '$.actor.id', 'alice') WHERE seq = 2`);
    const { code, stdout } = await records(["verify"], dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^ledger TAMPERED \(edited\): first bad record at position 2, sequence 2: record 2 at position 2 was edited/,
    );
  });

  it("exits 1 naming a deleted record", async () => {
    tamper("DELETE FROM ledger WHERE seq = 3");
    const { code, stdout } = await records(["verify"], dir);
    expect(code).toBe(1);
    expect(stdout).toContain(
      "ledger TAMPERED (deleted): first bad record at position 3, sequence 3: record 3 is missing",
    );
  });

  it("exits 1 naming reordered records", async () => {
    tamper(
      "UPDATE ledger SET seq = -1 WHERE seq = 1; UPDATE ledger SET seq = 1 WHERE seq = 2; UPDATE ledger SET seq = 2 WHERE seq = -1",
    );
    const { code, stdout } = await records(["verify"], dir);
    expect(code).toBe(1);
    expect(stdout).toContain("ledger TAMPERED (reordered): first bad record at position 1, sequence 2");
  });
});

describe("vigil records export", () => {
  it("writes JSON Lines of a period", async () => {
    const { code, stdout } = await records(
      ["export", "--format", "jsonl", "--from", "2026-03-01", "--to", "2026-04-01"],
      dir,
    );
    expect(code).toBe(0);
    expect(
      stdout
        .trimEnd()
        .split("\n")
        .map((l) => (JSON.parse(l) as LedgerRecord).seq),
    ).toEqual([2, 3, 4]);
  });

  it("writes spreadsheet-safe CSV to --out", async () => {
    const { code, stdout, stderr } = await records(
      ["export", "--format", "csv", "--out", "records.csv"],
      dir,
    );
    expect([code, stdout]).toEqual([0, ""]);
    expect(stderr).toBe(`vigil: wrote 5 records as csv to ${join(dir, "records.csv")}\n`);
    const csv = readFileSync(join(dir, "records.csv"), "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^seq,time,actor_kind/);
    expect(csv).toContain(`,"'=cmd|"" /c calc""!A0, with ""quotes""",`);
  });

  it("writes the auditor's report with the chain's state and the exposure's duration", async () => {
    const { code, stdout } = await records(
      ["export", "--format", "report", "--from", "2026-03-01", "--to", "2026-03-02"],
      dir,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      "- Period: 2026-03-01T00:00:00.000Z (inclusive) to 2026-03-02T00:00:00.000Z (exclusive)",
    );
    expect(stdout).toContain("- Generated: 2026-03-12T09:00:00.000Z");
    expect(stdout).toContain(`intact: 5 records, head hash \`${sealed[4]?.hash}\``);
    expect(stdout).toContain(
      "| access-key AKIAEXAMPLE000000001 | auto (critical) | 2026-03-01T00:00:00.000Z | 2026-03-01T00:30:00.000Z | 30 min |",
    );
  });

  it("refuses a missing or unknown format", async () => {
    expect(await records(["export"], dir)).toMatchObject({
      code: 2,
      stderr: "vigil: records export needs --format jsonl, csv, report\n",
    });
    const pdf = await records(["export", "--format", "pdf"], dir);
    expect([pdf.code, pdf.stderr]).toEqual([
      2,
      'vigil: records export needs --format jsonl, csv, report, not "pdf"\n',
    ]);
  });

  it("says when --out cannot be written", async () => {
    const { code, stderr } = await records(["export", "--format", "csv", "--out", "no/such/dir/x.csv"], dir);
    expect(code).toBe(1);
    expect(stderr).toContain("cannot write --out no/such/dir/x.csv (ENOENT); choose a writable file path");
  });
});

describe("vigil records usage", () => {
  it("refuses an unknown or missing subcommand", async () => {
    expect(await records(["show"], dir)).toMatchObject({
      code: 2,
      stderr: 'vigil: unknown records subcommand "show"; use vigil records list, verify or export\n',
    });
    expect((await records([], dir)).stderr).toBe(
      "vigil: records needs a subcommand; use vigil records list, verify or export\n",
    );
  });

  it("refuses options the subcommand does not take, and stray arguments", async () => {
    expect((await records(["verify", "--format", "csv"], dir)).stderr).toBe(
      "vigil: records verify does not take --format; its options are --store, --table, --region, --endpoint\n",
    );
    expect((await records(["list", "extra"], dir)).code).toBe(2);
  });

  it("says when there is no store, without creating one", async () => {
    const empty = mkdtempSync(join(tmpdir(), "vigil-records-none-"));
    const { code, stderr } = await records(["verify"], empty);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `no store at ${join(empty, ".vigil", "vigil.db")}: nothing has been recorded there`,
    );
    expect(existsSync(join(empty, ".vigil"))).toBe(false);
    expect((await records(["list", "--store", "elsewhere.db"], dir)).stderr).toContain(
      `no store at ${join(dir, "elsewhere.db")}`,
    );
  });
});
