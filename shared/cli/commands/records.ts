import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { collect } from "../../domain/collect.ts";
import { VigilError } from "../../domain/errors.ts";
import { auditReport } from "../../domain/ledger/audit-report.ts";
import { verifyChain } from "../../domain/ledger/chain.ts";
import { toCsv, toJsonLines } from "../../domain/ledger/export.ts";
import type { LedgerQuery } from "../../domain/ledger/query.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import { type CliIo, type Command, type OptionValues, stringOption } from "../command.ts";
import { safe } from "../report-text.ts";
import { storesOf, TABLE_OPTIONS } from "../stores.ts";
import { UsageError } from "../usage.ts";

const WHERE = ["store", ...Object.keys(TABLE_OPTIONS)] as const;
const SUBCOMMANDS = {
  list: [...WHERE, "from", "to", "subject", "json"],
  verify: WHERE,
  export: [...WHERE, "from", "to", "subject", "format", "out"],
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;

const FORMATS = ["jsonl", "csv", "report"] as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads --from or --to: a date (`2026-03-01`, midnight UTC) or a time with its offset
 * (`2026-03-01T08:00:00Z`, `2026-03-01T09:00+01:00`), as a record time. Impossible dates
 * (`2026-02-30`) and times without an offset are refused rather than guessed.
 */
export function instantOption(values: OptionValues, name: "from" | "to"): string | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const parts = DATE.exec(text) ?? DATE_TIME.exec(text);
  const fail = () =>
    new UsageError(
      `--${name} ${JSON.stringify(text)} is not a date; write 2026-03-01 (midnight UTC) or a time with its offset such as 2026-03-01T08:00:00Z`,
    );
  if (parts === null) throw fail();
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = parts.map((p) => p ?? "0");
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const valid =
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(s) < 60;
  const at = DATE.test(text) ? day.getTime() : Date.parse(text);
  if (!valid || Number.isNaN(at)) throw fail();
  return new Date(at).toISOString();
}

function queryOf(values: OptionValues): LedgerQuery {
  const from = instantOption(values, "from");
  const to = instantOption(values, "to");
  if (from !== undefined && to !== undefined && from >= to) {
    throw new UsageError(
      `--from ${stringOption(values, "from")} is not before --to ${stringOption(values, "to")}; the period starts at --from (inclusive) and ends before --to (exclusive)`,
    );
  }
  return { from, to, subject: stringOption(values, "subject") };
}

async function list(ledger: LedgerStore, values: OptionValues, io: CliIo): Promise<number> {
  const records = await collect(ledger.read(queryOf(values)));
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  }
  for (const r of records) {
    const actor = `${r.actor.kind}:${r.actor.id}`;
    io.stdout.write(
      `${String(r.seq).padStart(6)}  ${r.time}  ${safe(actor).padEnd(16)}  ${r.action.padEnd(20)}  ${safe(`${r.subject.kind}:${r.subject.id}`)}\n` +
        `        ${safe(r.reason)}\n`,
    );
  }
  io.stdout.write(`${records.length} record${records.length === 1 ? "" : "s"}\n`);
  return 0;
}

async function verify(ledger: LedgerStore, io: CliIo): Promise<number> {
  const verdict = await verifyChain(() => ledger.stored());
  if (verdict.intact) {
    io.stdout.write(`ledger intact: ${verdict.count} records, head hash ${verdict.head}\n`);
    return 0;
  }
  const { problem } = verdict;
  io.stdout.write(
    `ledger TAMPERED (${problem.kind}): first bad record at position ${problem.position}${problem.seq === undefined ? "" : `, sequence ${problem.seq}`}: ${safe(problem.reason)}\n`,
  );
  return 1;
}

async function exportRecords(ledger: LedgerStore, values: OptionValues, io: CliIo): Promise<number> {
  const format = stringOption(values, "format");
  if (format === undefined || !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `records export needs --format ${FORMATS.join(", ")}${format === undefined ? "" : `, not ${JSON.stringify(format)}`}`,
    );
  }
  const query = queryOf(values);
  const records = await collect(ledger.read(query));
  const text =
    format === "jsonl"
      ? toJsonLines(records)
      : format === "csv"
        ? toCsv(records)
        : auditReport(records, {
            from: query.from,
            to: query.to,
            generatedAt: io.clock.now(),
            chain: await verifyChain(() => ledger.stored()),
          });
  const out = stringOption(values, "out");
  if (out === undefined) {
    io.stdout.write(text);
    return 0;
  }
  const path = resolve(io.cwd, out);
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new VigilError(
      `cannot write --out ${out} (${(error as NodeJS.ErrnoException).code}); choose a writable file path`,
      { cause: error },
    );
  }
  io.stderr.write(`vigil: wrote ${records.length} records as ${format} to ${path}\n`);
  return 0;
}

/** `vigil records`: list, verify and export the remediation ledger of the embedded store or a deployment's table. */
export const recordsCommand: Command = {
  name: "records",
  summary: "list, verify and export the remediation records",
  help: `vigil records list [--from DATE] [--to DATE] [--subject ID] [--json] [--store PATH | --table NAME]
vigil records verify [--store PATH | --table NAME]
vigil records export --format jsonl|csv|report [--from DATE] [--to DATE] [--subject ID] [--out FILE] [--store PATH | --table NAME]
  The remediation ledger: hash-chained records of every decision, approval, playbook step, undo and
  exception, with the NIST CSF 2.0 and OWASP NHI Top 10 controls each serves. With --table, the
  ledger of a deployment's DynamoDB table, read with your own AWS credentials.
    list                  the records, oldest first
    verify                walk the hash chain: exit 0 when intact, 1 naming the first bad record and
                          whether it was edited, deleted, inserted or reordered
    export                JSON Lines, CSV (spreadsheet-safe) or a Markdown report for auditors
    --from DATE           first instant of the period, inclusive (2026-03-01 is midnight UTC, or 2026-03-01T08:00:00Z)
    --to DATE             end of the period, exclusive (--from 2026-03-01 --to 2026-04-01 is March)
    --subject ID          only records about this credential, principal or run (ID or kind:ID)
    --out FILE            write the export to FILE instead of standard output
    --store PATH          the embedded store (default .vigil/vigil.db)
    --table NAME          a deployment's table (the Vigil construct's), instead of --store
    --region REGION       the table's region (default AWS_REGION)
    --endpoint URL        the DynamoDB endpoint (an emulator)
`,
  options: {
    store: { type: "string" },
    ...TABLE_OPTIONS,
    from: { type: "string" },
    to: { type: "string" },
    subject: { type: "string" },
    json: { type: "boolean" },
    format: { type: "string" },
    out: { type: "string" },
  },
  async run(positionals, values, io) {
    const [sub, ...extra] = positionals;
    if (sub === undefined || !Object.hasOwn(SUBCOMMANDS, sub)) {
      throw new UsageError(
        `${sub === undefined ? "records needs a subcommand" : `unknown records subcommand ${JSON.stringify(sub)}`}; use vigil records list, verify or export`,
      );
    }
    const name = sub as Subcommand;
    if (extra.length > 0) {
      throw new UsageError(`records ${name} takes no arguments, got ${JSON.stringify(extra.join(" "))}`);
    }
    const allowed: readonly string[] = SUBCOMMANDS[name];
    const stray = Object.keys(values).filter((k) => values[k] !== undefined && !allowed.includes(k));
    if (stray.length > 0) {
      throw new UsageError(
        `records ${name} does not take ${stray.map((k) => `--${k}`).join(", ")}; its options are ${allowed.map((k) => `--${k}`).join(", ")}`,
      );
    }
    if (name !== "verify") queryOf(values);
    const { ledger, close } = await storesOf(values, io, ["ledger"]);
    try {
      if (name === "list") return await list(ledger, values, io);
      if (name === "verify") return await verify(ledger, io);
      return await exportRecords(ledger, values, io);
    } finally {
      close();
    }
  },
};
