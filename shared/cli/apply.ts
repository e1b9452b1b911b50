import { randomUUID } from "node:crypto";
import { AwsIamGateway, createIamClient } from "../adapters/aws-iam-gateway.ts";
import { AwsSecretsGateway, createSecretsClient } from "../adapters/aws-secrets-gateway.ts";
import { createSnsClient, SnsNotifier } from "../adapters/aws-sns-notifier.ts";
import { SqliteLedger } from "../adapters/sqlite-ledger.ts";
import { SqlitePlaybookRunStore } from "../adapters/sqlite-playbook-runs.ts";
import type { VigilConfig } from "../domain/config/compile.ts";
import type { Exposure } from "../domain/finding.ts";
import { runStepEntries } from "../domain/ledger/runs.ts";
import { type ExecutorDeps, outcomeLine, runPlaybook } from "../domain/playbooks/executor.ts";
import type { Notifier } from "../ports/notifier.ts";
import type { RunRecord } from "../ports/playbook-run-store.ts";
import { timerSleep } from "../ports/sleep.ts";
import type { CliIo } from "./command.ts";
import { safe } from "./report-text.ts";
import { UsageError } from "./usage.ts";

/**
 * The `--apply` path of `vigil replay` (and the wiring `vigil undo` shares): builds the AWS adapters on
 * the default credential chain, the playbook run store in the store file, and executes the decided
 * playbooks. Only `auto` decisions run here: `needs-approval` ones open approval requests that run when
 * approved (`vigil approvals approve`); `notify`, `record-only`, `blocked-by-guard` and suppressed ones
 * never act.
 */

/** Where and how to act. */
export interface ActOptions {
  /** An emulator or VPC endpoint for IAM, Secrets Manager and SNS; undefined: real AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /** The operator's explicit consent to act on real AWS. */
  readonly yes: boolean;
  /** The store file the runs are kept in (the replay store). */
  readonly storePath: string;
  /** SNS topic for notifications; without one they are printed to standard error. */
  readonly topicArn?: string;
  /** Where each run's outcome is printed. @default standard output */
  readonly print?: (text: string) => void;
}

/** Refuses to act on real AWS (no --endpoint) without --yes. */
export function checkConsent(options: Pick<ActOptions, "endpoint" | "yes">, what: string): void {
  if (options.endpoint === undefined && !options.yes) {
    throw new UsageError(
      `${what} acts on the AWS account of the default credentials; add --yes to confirm, or --endpoint URL to act on an emulator`,
    );
  }
}

/** Prints notifications to stderr (line by line, control characters escaped) when no SNS topic is configured. */
export function printNotifier(io: CliIo): Notifier {
  let n = 0;
  return {
    publish: async ({ subject, message }) => {
      io.stderr.write(
        `vigil: notification (no --notify-topic): ${safe(subject)}\n${message.split("\n").map(safe).join("\n")}\n`,
      );
      return `printed-${++n}`;
    },
  };
}

/** The executor's dependencies for the CLI; `close` closes the store. */
export function executorOf(
  options: ActOptions,
  config: VigilConfig,
  io: CliIo,
): { deps: ExecutorDeps; close: () => void } {
  const clients = {
    region: options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
    endpoint: options.endpoint,
  };
  const store = new SqlitePlaybookRunStore(options.storePath);
  const deps: ExecutorDeps = {
    iam: new AwsIamGateway(createIamClient(clients)),
    secrets: new AwsSecretsGateway(createSecretsClient(clients)),
    notifier:
      options.topicArn === undefined
        ? printNotifier(io)
        : new SnsNotifier(createSnsClient(clients), options.topicArn),
    store,
    clock: io.clock,
    newId: randomUUID,
    sleep: (ms) => timerSleep(ms),
    random: Math.random,
    guards: { config },
  };
  return { deps, close: () => store.close() };
}

/** Which exposures act at once: `auto` decisions with a planned playbook. */
export function decidedToAct(exposures: readonly Exposure[]): Exposure[] {
  return exposures.filter((e) => e.playbook !== null && e.decision === "auto");
}

/** Prints one run: its id, status, each step's outcome, and how to undo it. */
export function runText(run: RunRecord): string {
  const lines = [`run ${run.id}  ${run.playbook} for ${run.credential}: ${run.status}`];
  for (const step of run.steps) lines.push(`  - ${safe(outcomeLine(step))}`);
  lines.push(`  undo: vigil undo ${run.id}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Executes the playbooks of the exposures decided to act (see decidedToAct), one after another,
 * printing each run. Returns the runs. Guards (kill switch, protected principals, cap, locks) apply
 * inside the executor.
 */
export async function applyDecided(
  exposures: readonly Exposure[],
  options: ActOptions,
  config: VigilConfig,
  io: CliIo,
): Promise<RunRecord[]> {
  checkConsent(options, "--apply");
  const chosen = decidedToAct(exposures);
  const print = options.print ?? ((text: string) => io.stdout.write(text));
  const { deps, close } = executorOf(options, config, io);
  const ledger = new SqliteLedger(options.storePath);
  const runs: RunRecord[] = [];
  try {
    if (chosen.length === 0)
      print(
        "vigil: no exposure is decided to act at once (auto); needs-approval ones wait in 'vigil approvals list'\n",
      );
    for (const exposure of chosen) {
      const run = await runPlaybook(
        {
          playbook: exposure.playbook!,
          principalArn: exposure.principal,
          credential: exposure.credential,
          reason: exposure.decisionReason,
        },
        deps,
      );
      print(runText(run));
      await ledger.append(runStepEntries(run));
      runs.push(run);
    }
  } finally {
    close();
    ledger.close();
  }
  return runs;
}
