import { SqliteApprovalStore } from "../../adapters/sqlite-approvals.ts";
import { SqliteExceptionStore } from "../../adapters/sqlite-exceptions.ts";
import { SqliteStoredExposures } from "../../adapters/sqlite-exposures.ts";
import { SqliteLedger } from "../../adapters/sqlite-ledger.ts";
import { SqliteQuarantineRuns } from "../../adapters/sqlite-quarantine-runs.ts";
import { sweepApprovals } from "../../domain/approvals/expire.ts";
import type { ApprovalDeps } from "../../domain/approvals/open.ts";
import {
  type BreakGlassException,
  type ExceptionScope,
  scopeText,
  statusAt,
} from "../../domain/exceptions/exception.ts";
import { credentialScope, grantException } from "../../domain/exceptions/grant.ts";
import { liftQuarantine } from "../../domain/exceptions/lift.ts";
import { revokeException } from "../../domain/exceptions/revoke.ts";
import { sweepExceptions } from "../../domain/exceptions/sweep.ts";
import { checkConsent, executorOf, runText } from "../apply.ts";
import { type CliIo, type Command, type OptionValues, stringOption } from "../command.ts";
import {
  checkOptions,
  existingStore,
  hoursOption,
  iso,
  listOption,
  newIdOf,
  oneId,
  printListing,
  requiredOption,
} from "../oncall.ts";
import { safe } from "../report-text.ts";
import { configOf } from "../run-context.ts";
import { UsageError } from "../usage.ts";

const ACT = ["endpoint", "region", "notify-topic", "yes"];
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  grant: [
    "store",
    "config",
    "principal",
    "credential",
    "pattern",
    "playbooks",
    "signals",
    "hours",
    "reason",
    "by",
  ],
  list: ["store", "all", "json"],
  revoke: ["store", "by", "reason"],
  "lift-quarantine": ["store", "config", "principal", "playbooks", "hours", "reason", "by", ...ACT],
  sweep: ["store", "config", ...ACT],
};

function scopeOf(values: OptionValues): ExceptionScope {
  const given = (["principal", "credential", "pattern"] as const).filter(
    (k) => stringOption(values, k) !== undefined,
  );
  if (given.length !== 1) {
    throw new UsageError(
      `exceptions grant needs exactly one of --principal ARN, --credential ID or --pattern P${given.length > 1 ? `, not ${given.map((k) => `--${k}`).join(" and ")}` : ""}`,
    );
  }
  const kind = given[0]!;
  const text = stringOption(values, kind)!;
  if (kind === "principal") return { kind, arn: text };
  if (kind === "pattern") return { kind, pattern: text };
  return credentialScope(text);
}

function describe(e: BreakGlassException, now: number): string {
  const status = statusAt(e, now);
  const scope = [
    e.playbooks.length > 0 ? `playbooks ${e.playbooks.join(",")}` : "every playbook",
    ...(e.signals.length > 0 ? [`signals ${e.signals.join(",")}`] : []),
  ].join(", ");
  const lift =
    e.lift === undefined
      ? ""
      : `\n        quarantine lift of run ${e.lift.runId}: ${e.lift.reapplied === undefined ? (status === "active" ? "lifted" : "due to be put back (vigil exceptions sweep)") : `put back at ${iso(e.lift.reapplied.at)} by run ${e.lift.reapplied.runId}`}`;
  const ended =
    status === "revoked" && e.revoked !== undefined
      ? ` (revoked by ${safe(e.revoked.by)} at ${iso(e.revoked.at)}: ${safe(e.revoked.reason)})`
      : "";
  return `${e.id}  ${status.padEnd(7)}  ${safe(scopeText(e.scope))}  (${scope})\n        granted by ${safe(e.grantedBy)} at ${iso(e.grantedAt)} until ${iso(e.expiresAt)}${ended}: ${safe(e.reason)}${lift}`;
}

async function grant(values: OptionValues, io: CliIo): Promise<number> {
  const scope = scopeOf(values);
  const hours = hoursOption(values, "exceptions grant");
  const reason = requiredOption(
    values,
    "reason",
    "exceptions grant",
    "TEXT: why the exception is needed, for the records",
  );
  const by = requiredOption(values, "by", "exceptions grant", "NAME: who grants it, for the records");
  const config = configOf(values, io);
  const path = existingStore(values, io);
  const exceptions = new SqliteExceptionStore(path);
  const ledger = new SqliteLedger(path);
  try {
    const granted = await grantException(
      {
        scope,
        playbooks: listOption(values, "playbooks"),
        signals: listOption(values, "signals"),
        hours,
        reason,
        by,
      },
      { exceptions, ledger, clock: io.clock, newId: newIdOf("exc"), policy: config.exceptions },
    );
    io.stdout.write(
      `exception ${granted.id} granted: vigil detects, scores and records ${safe(scopeText(granted.scope))} but acts on none of it until ${iso(granted.expiresAt)}\n  revoke early: vigil exceptions revoke ${granted.id} --by NAME --reason TEXT\n`,
    );
    return 0;
  } finally {
    exceptions.close();
    ledger.close();
  }
}

async function list(values: OptionValues, io: CliIo): Promise<number> {
  const exceptions = new SqliteExceptionStore(existingStore(values, io));
  try {
    const now = io.clock.now();
    const shown = (await exceptions.list()).filter(
      (e) =>
        values.all === true ||
        statusAt(e, now) === "active" ||
        (e.lift !== undefined && e.lift.reapplied === undefined),
    );
    printListing(io, values.json === true, shown, {
      statusNow: (e) => statusAt(e, now),
      line: (e) => describe(e, now),
      noun: values.all === true ? "exception" : "active exception",
    });
    return 0;
  } finally {
    exceptions.close();
  }
}

async function revoke(id: string, values: OptionValues, io: CliIo): Promise<number> {
  const by = requiredOption(values, "by", "exceptions revoke", "NAME: who revokes it, for the records");
  const reason = requiredOption(
    values,
    "reason",
    "exceptions revoke",
    "TEXT: why it is revoked, for the records",
  );
  const path = existingStore(values, io);
  const exceptions = new SqliteExceptionStore(path);
  const ledger = new SqliteLedger(path);
  try {
    const revoked = await revokeException(id, { by, reason }, { exceptions, ledger, clock: io.clock });
    const then =
      revoked.lift === undefined
        ? "decisions from now on are no longer suppressed; 'vigil exceptions sweep' decides again what it suppressed"
        : "'vigil exceptions sweep' puts the quarantine back now";
    io.stdout.write(`exception ${id} revoked; ${then}\n`);
    return 0;
  } finally {
    exceptions.close();
    ledger.close();
  }
}

function actOptions(values: OptionValues, path: string) {
  return {
    endpoint: stringOption(values, "endpoint"),
    region: stringOption(values, "region"),
    yes: values.yes === true,
    storePath: path,
    topicArn: stringOption(values, "notify-topic"),
  };
}

async function lift(values: OptionValues, io: CliIo): Promise<number> {
  const principalArn = requiredOption(
    values,
    "principal",
    "exceptions lift-quarantine",
    "ARN: the quarantined role or user",
  );
  const hours = hoursOption(values, "exceptions lift-quarantine");
  const reason = requiredOption(values, "reason", "exceptions lift-quarantine", "TEXT: why, for the records");
  const by = requiredOption(
    values,
    "by",
    "exceptions lift-quarantine",
    "NAME: who lifts it, for the records",
  );
  checkConsent({ endpoint: stringOption(values, "endpoint"), yes: values.yes === true }, "lift-quarantine");
  const path = existingStore(values, io);
  const config = configOf(values, io);
  const executor = executorOf(actOptions(values, path), config, io);
  const exceptions = new SqliteExceptionStore(path);
  const ledger = new SqliteLedger(path);
  const quarantines = new SqliteQuarantineRuns(path);
  try {
    const lifted = await liftQuarantine(
      { principalArn, hours, reason, by, playbooks: listOption(values, "playbooks") },
      {
        executor: executor.deps,
        exceptions,
        quarantines,
        ledger,
        policy: config.exceptions,
        newId: newIdOf("exc"),
      },
    );
    io.stdout.write(
      `quarantine of ${safe(principalArn)} lifted by ${lifted.id} until ${iso(lifted.expiresAt)} (run ${lifted.lift?.runId}); 'vigil exceptions sweep' puts it back from then on\n`,
    );
    return 0;
  } finally {
    quarantines.close();
    exceptions.close();
    ledger.close();
    executor.close();
  }
}

async function sweep(values: OptionValues, io: CliIo): Promise<number> {
  checkConsent({ endpoint: stringOption(values, "endpoint"), yes: values.yes === true }, "exceptions sweep");
  const path = existingStore(values, io);
  const config = configOf(values, io);
  const executor = executorOf(actOptions(values, path), config, io);
  const exceptions = new SqliteExceptionStore(path);
  const ledger = new SqliteLedger(path);
  const exposures = new SqliteStoredExposures(path);
  const approvalStore = new SqliteApprovalStore(path);
  const approvals: ApprovalDeps = {
    approvals: approvalStore,
    ledger,
    clock: io.clock,
    newId: newIdOf("apr"),
    policy: config.approvals,
    notifier: executor.deps.notifier,
  };
  try {
    const expired = await sweepApprovals(approvals);
    const report = await sweepExceptions({
      config,
      exceptions,
      exposures,
      ledger,
      executor: executor.deps,
      approvals,
    });
    for (const r of expired) io.stdout.write(`approval request ${r.id} expired undecided (${r.onExpiry})\n`);
    for (const e of report.ended) {
      io.stdout.write(
        `exception ${e.exception.id} ${e.how}; ${e.redecided.length} exposure${e.redecided.length === 1 ? "" : "s"} decided again\n`,
      );
      for (const x of e.redecided)
        io.stdout.write(`  - ${x.credential.kind} ${safe(x.credential.id)}: ${x.decision}\n`);
    }
    for (const run of report.runs) io.stdout.write(runText(run));
    for (const r of report.reapplied) {
      io.stdout.write(
        `quarantine of ${safe(r.exception.lift?.target ?? "")} put back (lift ${r.exception.id} ended)\n${runText(r.run)}`,
      );
    }
    for (const r of report.notReapplied) {
      io.stdout.write(
        `quarantine of ${safe(r.exception.lift?.target ?? "")} NOT put back yet: ${safe(r.why)}; the next sweep tries again\n`,
      );
    }
    if (expired.length + report.ended.length + report.reapplied.length + report.notReapplied.length === 0) {
      io.stdout.write("nothing was due\n");
    }
    const failed = report.notReapplied.length > 0 || report.runs.some((r) => r.status === "failed");
    return failed ? 1 : 0;
  } finally {
    approvalStore.close();
    exposures.close();
    exceptions.close();
    ledger.close();
    executor.close();
  }
}

/** `vigil exceptions`: grant, list and revoke break-glass exceptions; lift quarantines; run the due work. */
export const exceptionsCommand: Command = {
  name: "exceptions",
  summary: "grant, list and revoke break-glass exceptions, lift quarantines, run due work",
  help: `vigil exceptions grant (--principal ARN | --credential ID | --pattern P) --hours N --reason TEXT --by NAME [--playbooks a,b] [--signals x,y] [--config FILE] [--store PATH]
vigil exceptions list [--all] [--json] [--store PATH]
vigil exceptions revoke <id> --by NAME --reason TEXT [--store PATH]
vigil exceptions lift-quarantine --principal ARN --hours N --reason TEXT --by NAME [--playbooks a,b] [--endpoint URL | --yes] [--config FILE] [--store PATH]
vigil exceptions sweep [--endpoint URL | --yes] [--region REGION] [--notify-topic ARN] [--config FILE] [--store PATH]
  A break-glass exception lets a team keep working: while it lasts vigil still detects, scores and
  records everything about the principal, credential or pattern, but its decisions are
  suppressed-by-exception and nothing runs. It ends at its expiry instant (at most exceptions.maxHours,
  default 8) or when revoked.
    grant                 --playbooks / --signals narrow it (an exposure is covered only when all its signals are listed)
    list                  active exceptions and lifts not yet put back (--all: every one)
    revoke                end it now
    lift-quarantine       remove a quarantine vigil applied (its step's undo) for N hours
    sweep                 the due work: expire approval requests, decide again what ended exceptions
                          suppressed (auto runs, needs-approval asks), put lifted quarantines back
    --endpoint URL        IAM/Secrets Manager/SNS endpoint (an emulator); without it, --yes is required
    --yes                 confirm acting on the AWS account of the default credentials
`,
  options: {
    store: { type: "string" },
    config: { type: "string" },
    principal: { type: "string" },
    credential: { type: "string" },
    pattern: { type: "string" },
    playbooks: { type: "string" },
    signals: { type: "string" },
    hours: { type: "string" },
    reason: { type: "string" },
    by: { type: "string" },
    all: { type: "boolean" },
    json: { type: "boolean" },
    endpoint: { type: "string" },
    region: { type: "string" },
    "notify-topic": { type: "string" },
    yes: { type: "boolean" },
  },
  async run(positionals, values, io) {
    const [sub, ...rest] = positionals;
    if (sub === undefined || !Object.hasOwn(SUBCOMMANDS, sub)) {
      throw new UsageError(
        `${sub === undefined ? "exceptions needs a subcommand" : `unknown exceptions subcommand ${JSON.stringify(sub)}`}; use vigil exceptions grant, list, revoke, lift-quarantine or sweep`,
      );
    }
    checkOptions(values, SUBCOMMANDS[sub] ?? [], `exceptions ${sub}`);
    if (sub === "revoke") return revoke(oneId(rest, "exceptions revoke", "exc-3f9c0a1b2c4d"), values, io);
    if (rest.length > 0)
      throw new UsageError(`exceptions ${sub} takes no arguments, got ${JSON.stringify(rest.join(" "))}`);
    if (sub === "grant") return grant(values, io);
    if (sub === "list") return list(values, io);
    if (sub === "lift-quarantine") return lift(values, io);
    return sweep(values, io);
  },
};
