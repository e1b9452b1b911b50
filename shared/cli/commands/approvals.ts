import { SqliteApprovalStore } from "../../adapters/sqlite-approvals.ts";
import { SqliteExceptionStore } from "../../adapters/sqlite-exceptions.ts";
import { SqliteLedger } from "../../adapters/sqlite-ledger.ts";
import { ApprovalNotFoundError } from "../../domain/approvals/errors.ts";
import { sweepApprovals } from "../../domain/approvals/expire.ts";
import type { ApprovalDeps } from "../../domain/approvals/open.ts";
import { type ApprovalRequest, statusAt } from "../../domain/approvals/request.ts";
import { decideApproval } from "../../domain/approvals/vote.ts";
import type { VigilConfig } from "../../domain/config/compile.ts";
import type { Notifier } from "../../ports/notifier.ts";
import { checkConsent, executorOf, runText } from "../apply.ts";
import { type CliIo, type Command, type OptionValues, stringOption } from "../command.ts";
import {
  checkOptions,
  existingStore,
  iso,
  newIdOf,
  notifierOf,
  oneId,
  printListing,
  requiredOption,
} from "../oncall.ts";
import { safe } from "../report-text.ts";
import { configOf } from "../run-context.ts";
import { UsageError } from "../usage.ts";

const ACT = ["endpoint", "region", "notify-topic", "yes"];
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  list: ["store", "all", "json"],
  show: ["store", "json"],
  approve: ["store", "config", "by", "reason", ...ACT],
  deny: ["store", "config", "by", "reason", "notify-topic", "region", "endpoint"],
  sweep: ["store", "config", "notify-topic", "region", "endpoint"],
};

/** The on-call wiring of one command run: stores on the store file, the policy, notifications. */
function depsOf(path: string, config: VigilConfig, notifier: Notifier, io: CliIo) {
  const approvals = new SqliteApprovalStore(path);
  const ledger = new SqliteLedger(path);
  const exceptions = new SqliteExceptionStore(path);
  const deps: ApprovalDeps = {
    approvals,
    ledger,
    clock: io.clock,
    newId: newIdOf("apr"),
    policy: config.approvals,
    notifier,
  };
  return {
    deps,
    exceptions,
    close: () => {
      approvals.close();
      ledger.close();
      exceptions.close();
    },
  };
}

function line(request: ApprovalRequest, now: number): string {
  const status = statusAt(request, now);
  const shown = status === "expired" && request.status === "pending" ? "expired (not yet swept)" : status;
  const votes = `${request.approvals.length}/${request.requiredApprovals}`;
  return `${request.id}  ${shown.padEnd(8)}  expires ${iso(request.expiresAt)}  approvals ${votes}  ${safe(request.what)}`;
}

function details(request: ApprovalRequest, now: number): string {
  const e = request.exposure;
  const lines = [
    `request ${request.id}: ${statusAt(request, now)}`,
    `  what:      ${safe(request.what)}`,
    `  why:       ${safe(request.why)}`,
    `  exposure:  ${e.credential.kind} ${safe(e.credential.id)} of ${safe(e.principal)}: ${e.severity} (${e.score}), ${e.firstSeen} to ${e.lastSeen}${e.owner === undefined ? "" : `, owner ${safe(e.owner)}`}`,
    ...e.reasons.map((r) => `    - ${r.signal}: ${safe(r.reason)}`),
    `  steps (playbook ${request.playbook.id}):`,
    ...request.playbook.steps.map(
      (s, i) => `    ${i + 1}. ${s.step} ${safe(s.target)}: ${safe(s.description)}`,
    ),
    ...request.playbook.notes.map((n) => `    note: ${safe(n)}`),
    `  approvers: ${request.approvers.join(", ")}${request.requiredApprovals === 2 ? " (two different approvers needed)" : ""}`,
    `  opened:    ${iso(request.createdAt)}`,
    `  expires:   ${iso(request.expiresAt)} (then: ${request.onExpiry}${request.escalateTo === undefined ? "" : ` to ${safe(request.escalateTo)}`})`,
    ...request.approvals.map((a) => `  approved:  by ${safe(a.by)} at ${iso(a.at)}: ${safe(a.reason)}`),
    ...(request.decision?.verdict === "denied"
      ? [
          `  denied:    by ${safe(request.decision.by)} at ${iso(request.decision.at)}: ${safe(request.decision.reason)}`,
        ]
      : []),
    ...(request.renewedFrom === undefined ? [] : [`  renews:    ${request.renewedFrom}`]),
    ...(request.expired?.renewedAs === undefined ? [] : [`  renewed as: ${request.expired.renewedAs}`]),
    ...(request.runId === undefined
      ? []
      : [`  run:       ${request.runId} (undo: vigil undo ${request.runId})`]),
  ];
  return `${lines.join("\n")}\n`;
}

async function list(values: OptionValues, io: CliIo): Promise<number> {
  const store = new SqliteApprovalStore(existingStore(values, io));
  try {
    const now = io.clock.now();
    const requests = (await store.list()).filter(
      (r) => values.all === true || statusAt(r, now) === "pending",
    );
    printListing(io, values.json === true, requests, {
      statusNow: (r) => statusAt(r, now),
      line: (r) => line(r, now),
      noun: values.all === true ? "request" : "pending request",
    });
    return 0;
  } finally {
    store.close();
  }
}

async function show(id: string, values: OptionValues, io: CliIo): Promise<number> {
  const store = new SqliteApprovalStore(existingStore(values, io));
  try {
    const request = await store.get(id);
    if (request === undefined) {
      throw new ApprovalNotFoundError(
        `no approval request ${JSON.stringify(id)} in the store; 'vigil approvals list --all' shows the ids (check --store)`,
      );
    }
    const now = io.clock.now();
    io.stdout.write(
      values.json === true
        ? `${JSON.stringify({ ...request, statusNow: statusAt(request, now) }, null, 2)}\n`
        : details(request, now),
    );
    return 0;
  } finally {
    store.close();
  }
}

async function vote(
  verdict: "approve" | "deny",
  id: string,
  values: OptionValues,
  io: CliIo,
): Promise<number> {
  const command = `approvals ${verdict}`;
  const by = requiredOption(values, "by", command, "NAME: who decides, for the records");
  const reason = requiredOption(values, "reason", command, `TEXT: why you ${verdict} it, for the records`);
  const endpoint = stringOption(values, "endpoint");
  if (verdict === "approve")
    checkConsent({ endpoint, yes: values.yes === true }, "approving (it runs the playbook)");
  const path = existingStore(values, io);
  const config = configOf(values, io);
  const executor =
    verdict === "approve"
      ? executorOf(
          {
            endpoint,
            region: stringOption(values, "region"),
            yes: values.yes === true,
            storePath: path,
            topicArn: stringOption(values, "notify-topic"),
          },
          config,
          io,
        )
      : undefined;
  const wiring = depsOf(path, config, executor?.deps.notifier ?? notifierOf(values, io), io);
  try {
    const result = await decideApproval(
      id,
      { verdict, by, reason },
      { ...wiring.deps, executor: executor?.deps, exceptions: wiring.exceptions },
    );
    if (result.outcome === "denied") {
      io.stdout.write(`request ${id} denied by ${safe(by)}; nothing was executed\n`);
    } else if (result.outcome === "awaiting-second") {
      io.stdout.write(
        `request ${id}: approval 1 of 2 recorded (${safe(by)}); the two-person rule needs a second, different approver before anything runs\n`,
      );
    } else {
      io.stdout.write(
        `request ${id} approved by ${safe(result.request.approvals.map((a) => a.by).join(" and "))}\n`,
      );
      if (result.run !== undefined) io.stdout.write(runText(result.run));
    }
    return result.run?.status === "failed" ? 1 : 0;
  } finally {
    wiring.close();
    executor?.close();
  }
}

async function sweep(values: OptionValues, io: CliIo): Promise<number> {
  const config = configOf(values, io);
  const wiring = depsOf(existingStore(values, io), config, notifierOf(values, io), io);
  try {
    const expired = await sweepApprovals(wiring.deps);
    for (const r of expired) {
      const next =
        r.expired?.renewedAs === undefined
          ? `escalated${r.escalateTo === undefined ? "" : ` to ${safe(r.escalateTo)}`}`
          : `sent again as ${r.expired.renewedAs}`;
      io.stdout.write(`request ${r.id} expired at ${iso(r.expiresAt)} undecided; ${next}\n`);
    }
    io.stdout.write(`${expired.length} request${expired.length === 1 ? "" : "s"} expired\n`);
    return 0;
  } finally {
    wiring.close();
  }
}

/** `vigil approvals`: list, show, approve and deny the requests of `needs-approval` decisions. */
export const approvalsCommand: Command = {
  name: "approvals",
  summary: "list, show, approve and deny pending playbook approvals",
  help: `vigil approvals list [--all] [--json] [--store PATH]
vigil approvals show <id> [--json] [--store PATH]
vigil approvals approve <id> --by NAME --reason TEXT [--endpoint URL | --yes] [--region REGION] [--notify-topic ARN] [--config FILE] [--store PATH]
vigil approvals deny <id> --by NAME --reason TEXT [--config FILE] [--store PATH]
vigil approvals sweep [--notify-topic ARN] [--config FILE] [--store PATH]
  Requests for playbooks decided needs-approval: what would be done, why, the exposure, the exact steps,
  who may approve and until when. Approving runs the playbook (guards apply); a request is decided once
  (a second vote is refused, naming who decided); a vote at or after the expiry finds it expired and
  nothing runs. Under approvals.twoPersonFor two different approvers are needed.
    list                  pending requests (--all: every request, with its status now)
    show                  one request in full
    approve, deny         decide, with your name and a reason (both required)
    sweep                 mark expired requests and re-notify or escalate them per approvals.onExpiry
    --endpoint URL        IAM/Secrets Manager/SNS endpoint (an emulator); without it, --yes is required to approve
    --yes                 confirm acting on the AWS account of the default credentials
    --notify-topic ARN    SNS topic for notifications (default: printed to stderr)
`,
  options: {
    store: { type: "string" },
    config: { type: "string" },
    all: { type: "boolean" },
    json: { type: "boolean" },
    by: { type: "string" },
    reason: { type: "string" },
    endpoint: { type: "string" },
    region: { type: "string" },
    "notify-topic": { type: "string" },
    yes: { type: "boolean" },
  },
  async run(positionals, values, io) {
    const [sub, ...rest] = positionals;
    if (sub === undefined || !Object.hasOwn(SUBCOMMANDS, sub)) {
      throw new UsageError(
        `${sub === undefined ? "approvals needs a subcommand" : `unknown approvals subcommand ${JSON.stringify(sub)}`}; use vigil approvals list, show, approve, deny or sweep`,
      );
    }
    checkOptions(values, SUBCOMMANDS[sub] ?? [], `approvals ${sub}`);
    if (sub === "list" || sub === "sweep") {
      if (rest.length > 0)
        throw new UsageError(`approvals ${sub} takes no arguments, got ${JSON.stringify(rest.join(" "))}`);
      return sub === "list" ? list(values, io) : sweep(values, io);
    }
    const id = oneId(rest, `approvals ${sub}`, "apr-3f9c0a1b2c4d");
    if (sub === "show") return show(id, values, io);
    return vote(sub === "approve" ? "approve" : "deny", id, values, io);
  },
};
