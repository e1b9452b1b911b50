import { AwsNetworkClassifier } from "../../adapters/aws-network-classifier.ts";
import { SqliteApprovalStore } from "../../adapters/sqlite-approvals.ts";
import { SqliteExceptionStore } from "../../adapters/sqlite-exceptions.ts";
import { SqliteLedger } from "../../adapters/sqlite-ledger.ts";
import { requestApprovals } from "../../domain/approvals/open.ts";
import { DETECTIONS } from "../../domain/detections/registry.ts";
import { usedEntries } from "../../domain/exceptions/records.ts";
import { activeExceptionsSnapshot } from "../../domain/exceptions/snapshot.ts";
import { recordRunDecisions } from "../../domain/ledger/decisions.ts";
import { runPipeline } from "../../domain/pipeline/replay.ts";
import { applyDecided, checkConsent } from "../apply.ts";
import { type Command, stringOption } from "../command.ts";
import { newIdOf, notifierOf } from "../oncall.ts";
import { replayJson } from "../report-json.ts";
import { replayText } from "../report-text.ts";
import {
  checkStoreFlags,
  configOf,
  itemsOf,
  positiveInt,
  privilegeOf,
  progressReporter,
  runStoreOf,
  STORE_OPTIONS,
  storePath,
} from "../run-context.ts";
import { UsageError } from "../usage.ts";

/** `vigil replay`: the main job — parse, detect, score, rank and plan over CloudTrail records. */
export const replayCommand: Command = {
  name: "replay",
  summary: "run the whole pipeline over CloudTrail records",
  help: `vigil replay <file-or-dir>... [options]
  Runs the whole pipeline over CloudTrail records and prints the ranked exposures. Inputs: S3 trail
  files ({"Records":[...]}, plain or gzip), EventBridge events, JSON arrays and JSON Lines of records,
  directories (read recursively), or - for standard input.
    --config FILE         profiles, secrets, policy (YAML or JSON); default ./vigil.config.yaml when present
    --json                print one JSON document: summary, rejected, findings, exposures
    --store PATH          the embedded store (default .vigil/vigil.db): baselines, findings, exposures
    --memory              keep nothing between runs (no store)
    --iam-snapshot FILE   output of 'aws iam get-account-authorization-details', to score privilege offline
    --top N               exposures shown in detail in the text report (default 10)
    --no-color            plain text even on a terminal (NO_COLOR is honoured too)
    --apply               execute the playbooks decided auto (needs-approval ones open approval requests)
    --endpoint URL        IAM/Secrets Manager/SNS endpoint (an emulator); without it, --yes is required
    --region REGION       region of the clients (default from the environment)
    --notify-topic ARN    SNS topic for notifications (default: printed to stderr)
    --yes                 confirm acting on the AWS account of the default credentials
`,
  options: {
    ...STORE_OPTIONS,
    json: { type: "boolean" },
    memory: { type: "boolean" },
    "iam-snapshot": { type: "string" },
    top: { type: "string" },
    "no-color": { type: "boolean" },
    apply: { type: "boolean" },
    endpoint: { type: "string" },
    region: { type: "string" },
    "notify-topic": { type: "string" },
    yes: { type: "boolean" },
  },
  async run(paths, values, io) {
    if (paths.length === 0) {
      throw new UsageError("replay needs at least one file or directory, e.g. vigil replay trail.json.gz");
    }
    const apply = values.apply === true;
    const endpoint = stringOption(values, "endpoint");
    if (apply) {
      if (values.memory === true) {
        throw new UsageError("--apply keeps its runs in the store so they can be undone; drop --memory");
      }
      checkConsent({ endpoint, yes: values.yes === true }, "--apply");
    }
    const top = positiveInt(values, "top", 10, 10_000);
    checkStoreFlags(values);
    const config = configOf(values, io);
    const privilege = privilegeOf(values, io);
    const store = runStoreOf(values, io);
    const ledger = values.memory === true ? undefined : new SqliteLedger(storePath(values, io));
    const exceptions = values.memory === true ? undefined : new SqliteExceptionStore(storePath(values, io));
    const approvals = values.memory === true ? undefined : new SqliteApprovalStore(storePath(values, io));
    const started = io.clock.now();
    try {
      // The exceptions are loaded once, at the start of the run (the run's clock is the wall clock):
      // each decision still keeps only those in force at its own clock reading, so one expiring during
      // the run stops applying then; one granted or revoked by someone else while the run goes applies
      // from the next run.
      const active =
        exceptions === undefined ? undefined : activeExceptionsSnapshot(await exceptions.activeAt(started));
      const result = await runPipeline(itemsOf(paths, io), paths, {
        config,
        detections: DETECTIONS,
        network: new AwsNetworkClassifier(),
        clock: io.clock,
        store,
        privilege,
        onProgress: progressReporter(io, started),
        exceptions: active,
      });
      if (ledger !== undefined) {
        await recordRunDecisions(result, { ledger, clock: io.clock });
        await ledger.append(usedEntries(result.exposures, io.clock.now()));
      }
      if (ledger !== undefined && approvals !== undefined) {
        await requestApprovals(result.exposures, {
          approvals,
          ledger,
          clock: io.clock,
          newId: newIdOf("apr"),
          policy: config.approvals,
          notifier: notifierOf(values, io),
        });
      }
      if (values.json === true) io.stdout.write(`${JSON.stringify(replayJson(result), null, 2)}\n`);
      else {
        const color =
          Boolean(io.stdout.isTTY) && values["no-color"] !== true && io.env.NO_COLOR === undefined;
        const seconds = (io.clock.now() - started) / 1000;
        io.stdout.write(replayText(result, { top, color, inputs: paths, seconds }));
      }
      if (apply) {
        const runs = await applyDecided(
          result.exposures,
          {
            endpoint,
            region: stringOption(values, "region"),
            yes: values.yes === true,
            storePath: storePath(values, io),
            topicArn: stringOption(values, "notify-topic"),
            ...(values.json === true ? { print: (t: string) => io.stderr.write(t) } : {}),
          },
          config,
          io,
        );
        if (runs.some((r) => r.status === "failed")) return 1;
      }
      if (result.rejectedTruncated) {
        io.stderr.write(
          `vigil: ${result.summary.rejected} records were rejected; the report lists the first ${result.rejected.length}\n`,
        );
      }
      return 0;
    } finally {
      store.close();
      ledger?.close();
      exceptions?.close();
      approvals?.close();
    }
  },
};
