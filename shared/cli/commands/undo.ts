import { SqliteLedger } from "../../adapters/sqlite-ledger.ts";
import { undoStepEntries } from "../../domain/ledger/runs.ts";
import { undoRun } from "../../domain/playbooks/executor.ts";
import type { StepRecord } from "../../ports/playbook-run-store.ts";
import { checkConsent, executorOf } from "../apply.ts";
import { type Command, stringOption } from "../command.ts";
import { safe } from "../report-text.ts";
import { configOf, STORE_OPTIONS, storePath } from "../run-context.ts";
import { UsageError } from "../usage.ts";

function undoLine(step: StepRecord): string {
  const undo = step.undo;
  const what = `${step.step} ${step.target}`;
  if (undo === undefined) return `${what}: not undone`;
  const notes = undo.result?.notes.length ? ` (${undo.result.notes.join("; ")})` : "";
  if (undo.status === "irreversible") return `${what}: cannot be undone: ${undo.reason}`;
  return `${what}: ${undo.status}: ${undo.reason}${notes}`;
}

/** `vigil undo <run-id>`: reverses the reversible steps of a playbook run, newest first. */
export const undoCommand: Command = {
  name: "undo",
  summary: "reverse a playbook run's reversible steps and say which cannot be undone",
  help: `vigil undo <run-id> [--by NAME] [--store PATH] [--endpoint URL] [--region REGION] [--yes]
  Reverses every reversible step of a playbook run in reverse order (re-activates the key, deletes the
  quarantine or revocation policy, re-attaches exactly the detached policies) and says which steps
  cannot be undone and why (a rotated secret, a sent notification).
    --endpoint URL        IAM/Secrets Manager/SNS endpoint (an emulator); default: AWS itself
    --region REGION       the region (default from the environment)
    --yes                 confirm acting on the AWS account of the default credentials
    --by NAME             who undoes it, for the records (default: $USER)
`,
  options: {
    ...STORE_OPTIONS,
    endpoint: { type: "string" },
    region: { type: "string" },
    yes: { type: "boolean" },
    by: { type: "string" },
  },
  async run(positionals, values, io) {
    const [runId, ...extra] = positionals;
    if (runId === undefined || extra.length > 0) {
      throw new UsageError(
        "undo needs exactly one run id, e.g. vigil undo 0b7c9e52-1d2f-4a6b-8c3d-5e6f7a8b9c0d",
      );
    }
    const endpoint = stringOption(values, "endpoint");
    checkConsent({ endpoint, yes: values.yes === true }, "undo");
    const config = configOf(values, io);
    const { deps, close } = executorOf(
      {
        endpoint,
        region: stringOption(values, "region"),
        yes: values.yes === true,
        storePath: storePath(values, io),
      },
      config,
      io,
    );
    try {
      const run = await undoRun(runId, deps);
      const ledger = new SqliteLedger(storePath(values, io));
      try {
        await ledger.append(
          undoStepEntries(run, { kind: "human", id: stringOption(values, "by") ?? io.env.USER ?? "cli" }),
        );
      } finally {
        ledger.close();
      }
      const lines = [`run ${run.id}  ${run.playbook} for ${run.credential}: ${run.status}`];
      for (const step of [...run.steps].reverse()) lines.push(`  - ${safe(undoLine(step))}`);
      io.stdout.write(`${lines.join("\n")}\n`);
      return run.steps.some((s) => s.undo?.status === "failed") ? 1 : 0;
    } finally {
      close();
    }
  },
};
