import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { AwsNetworkClassifier } from "../adapters/aws-network-classifier.ts";
import { createCloudTrailClient, lookupEvents } from "../adapters/cloudtrail-history.ts";
import { emptyConfig, loadConfigFile } from "../adapters/config-file.ts";
import { readRecords } from "../adapters/file-records.ts";
import { loadIamSnapshot } from "../adapters/iam-snapshot-privilege.ts";
import { SqliteRunStore } from "../adapters/sqlite-store.ts";
import type { VigilConfig } from "../domain/config/compile.ts";
import { DETECTIONS } from "../domain/detections/registry.ts";
import { VigilError } from "../domain/errors.ts";
import { type Progress, runPipeline } from "../domain/pipeline/replay.ts";
import type { Clock } from "../ports/clock.ts";
import type { PrivilegeSource } from "../ports/privilege-source.ts";
import type { SourceItem } from "../ports/record-source.ts";
import { nullRunStore, type RunStore } from "../ports/run-store.ts";
import { replayJson } from "./report-json.ts";
import { replayText } from "./report-text.ts";
import { USAGE, UsageError } from "./usage.ts";

/** What the CLI touches of the process, injected so tests can run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly clock: Clock;
}

const OPTIONS = {
  config: { type: "string" },
  json: { type: "boolean" },
  store: { type: "string" },
  memory: { type: "boolean" },
  "iam-snapshot": { type: "string" },
  top: { type: "string" },
  "no-color": { type: "boolean" },
  "from-cloudtrail": { type: "boolean" },
  days: { type: "string" },
  region: { type: "string" },
  endpoint: { type: "string" },
  apply: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/** Runs the vigil CLI; returns the exit code (0 ok, 1 failed, 2 bad usage). Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(`${(error as Error).message}; run 'vigil help' for the options`);
    }
    const { values, positionals } = parsed;
    const [command, ...paths] = positionals;
    if (values.version) {
      io.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    if (values.help || command === undefined || command === "help") {
      io.stdout.write(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (command === "replay") return await replay(paths, values, io);
    if (command === "learn") return await learn(paths, values, io);
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}; the commands are replay, learn and help`,
    );
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`vigil: ${error.message}\n`);
      return 2;
    }
    if (error instanceof VigilError) {
      io.stderr.write(`vigil: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`vigil: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

function configOf(values: Values, io: CliIo): VigilConfig {
  if (values.config !== undefined) return loadConfigFile(resolve(io.cwd, values.config));
  for (const name of ["vigil.config.yaml", "vigil.config.yml", "vigil.config.json"]) {
    const path = resolve(io.cwd, name);
    if (existsSync(path)) return loadConfigFile(path);
  }
  io.stderr.write(
    "vigil: no config file (--config FILE, or vigil.config.yaml here): no profiles are declared, only learned and universal detections run\n",
  );
  return emptyConfig();
}

function checkStoreFlags(values: Values): void {
  if (values.memory && values.store !== undefined) {
    throw new UsageError("--memory and --store exclude each other; choose one");
  }
}

function storeOf(values: Values, io: CliIo): RunStore {
  if (values.memory) return nullRunStore;
  return new SqliteRunStore(resolve(io.cwd, values.store ?? ".vigil/vigil.db"));
}

function privilegeOf(values: Values, io: CliIo): PrivilegeSource | undefined {
  const file = values["iam-snapshot"];
  if (file === undefined) return undefined;
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--iam-snapshot ${file} cannot be read (${(error as NodeJS.ErrnoException).code}); give the JSON file written by 'aws iam get-account-authorization-details'`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--iam-snapshot ${file} is not JSON (${(error as Error).message}); give the output of 'aws iam get-account-authorization-details'`,
    );
  }
  return loadIamSnapshot(json, file);
}

function positiveInt(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} ${JSON.stringify(text)} must be a whole number from 1 to ${max}`);
  }
  return n;
}

function progressReporter(io: CliIo, started: number): ((p: Progress) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  return (p) => {
    const seconds = Math.max(0.001, (io.clock.now() - started) / 1000);
    const rate = Math.round(p.records / seconds).toLocaleString("en-US");
    const line = `  ${p.records.toLocaleString("en-US")} records · ${rate}/s · ${p.findings.toLocaleString("en-US")} findings · ${p.rejected.toLocaleString("en-US")} rejected`;
    io.stderr.write(p.done ? `\r${" ".repeat(line.length)}\r` : `\r${line}`);
  };
}

function itemsOf(paths: readonly string[], io: CliIo): AsyncIterable<SourceItem> {
  return readRecords(
    paths.map((p) => (p === "-" ? p : resolve(io.cwd, p))),
    { stdin: io.stdin, displayPath: (p: string) => (p === "-" ? "<stdin>" : p) },
  );
}

async function replay(paths: readonly string[], values: Values, io: CliIo): Promise<number> {
  if (paths.length === 0)
    throw new UsageError("replay needs at least one file or directory, e.g. vigil replay trail.json.gz");
  if (values.apply) {
    throw new UsageError(
      "--apply (executing playbooks against AWS) is not available in this version; without it vigil plans playbooks and executes nothing",
    );
  }
  const top = positiveInt("top", values.top, 10, 10_000);
  checkStoreFlags(values);
  const config = configOf(values, io);
  const privilege = privilegeOf(values, io);
  const store = storeOf(values, io);
  const started = io.clock.now();
  try {
    const result = await runPipeline(itemsOf(paths, io), paths, {
      config,
      detections: DETECTIONS,
      network: new AwsNetworkClassifier(),
      clock: io.clock,
      store,
      privilege,
      onProgress: progressReporter(io, started),
    });
    if (values.json) io.stdout.write(`${JSON.stringify(replayJson(result), null, 2)}\n`);
    else {
      const color = Boolean(io.stdout.isTTY) && !values["no-color"] && io.env.NO_COLOR === undefined;
      io.stdout.write(
        replayText(result, { top, color, inputs: paths, seconds: (io.clock.now() - started) / 1000 }),
      );
    }
    if (result.rejectedTruncated) {
      io.stderr.write(
        `vigil: ${result.summary.rejected} records were rejected; the report lists the first ${result.rejected.length}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}

async function learn(paths: readonly string[], values: Values, io: CliIo): Promise<number> {
  if (values.memory)
    throw new UsageError("learn keeps baselines in the store; --memory would throw them away");
  const fromCloudTrail = values["from-cloudtrail"] === true;
  if (fromCloudTrail === paths.length > 0) {
    throw new UsageError(
      "learn needs either history files (vigil learn trail/) or --from-cloudtrail --days N, not both",
    );
  }
  const config = configOf(values, io);
  const store = storeOf(values, io);
  const started = io.clock.now();
  try {
    let items: AsyncIterable<SourceItem>;
    let inputs: readonly string[];
    if (fromCloudTrail) {
      const days = positiveInt("days", values.days, 7, 90);
      const end = io.clock.now();
      const client = createCloudTrailClient({ region: values.region, endpoint: values.endpoint });
      items = lookupEvents(client, { start: new Date(end - days * 86_400_000), end: new Date(end) });
      inputs = [`cloudtrail:lookup-events:${days}d`];
    } else {
      items = itemsOf(paths, io);
      inputs = paths;
    }
    const result = await runPipeline(
      items,
      inputs,
      {
        config,
        detections: DETECTIONS,
        network: new AwsNetworkClassifier(),
        clock: io.clock,
        store,
        onProgress: progressReporter(io, started),
      },
      "learn",
    );
    const s = result.summary;
    io.stdout.write(
      `vigil learn: ${s.records.toLocaleString("en-US")} records learned into ${values.store ?? ".vigil/vigil.db"}; ${s.rejected} rejected\n`,
    );
    for (const r of result.rejected.slice(0, 20)) io.stdout.write(`  ${r.source} #${r.index}: ${r.error}\n`);
    return 0;
  } finally {
    store.close();
  }
}
