/**
 * Lambda benchmark (part of `npm run bench`; alone: `node --import tsx test/bench/lambda.ts`).
 *
 * 1. Bundles each function with esbuild exactly as the Vigil construct does (ESM, node22, minified,
 *    names kept, `@aws-sdk/*` external) plus the files the construct copies next to it (config,
 *    Amazon ranges), and reports the sizes.
 * 2. Cold start: loads each bundle in a fresh `node` process with the environment the construct sets
 *    and reports the median module-load time of several runs (the AWS SDK modules it imports included).
 * 3. DynamoDB use in steady state: runs the evaluate handler over the demo trail's records, each as an
 *    EventBridge event in SQS batches, against moto (the moto server of the tests, `.venv-moto/`), and
 *    counts requests, items and capacity units per evaluated event. The first half of the trail warms
 *    the baselines up; the second half is reported as steady state.
 * 4. Rewrites its own section of BENCHMARKS.md. It reports PASS/FAIL per target and does not assert.
 */
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, platform, release } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { build } from "esbuild";
import { EventBatchEvaluator } from "../../functions/common/event-batch.ts";
import { ENV } from "../../functions/common/function-config.ts";
import type { FunctionLog } from "../../functions/common/log.ts";
import { RecordIntake } from "../../functions/common/record-intake.ts";
import { createEvaluateHandler } from "../../functions/evaluate/evaluate-handler.ts";
import { TOPIC_ENV } from "../../functions/execute/config.ts";
import { functionDataDir } from "../../infra/function-data.ts";
import { sampleConfig } from "../../infra/sample-config.ts";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoUsage, TABLE_KEYS } from "../../shared/adapters/dynamodb-table.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import { configSchema } from "../../shared/domain/config/schema.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import { demoConfig, demoRecords } from "../functions/demo-trail.ts";
import { sqsBatch, sqsMessage } from "../functions/support.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUT = join(ROOT, ".bench", "lambda");
const REPORT = join(ROOT, "BENCHMARKS.md");
const SECTION_START = "<!-- bench:lambda:start -->";
const SECTION_END = "<!-- bench:lambda:end -->";
const FUNCTIONS = ["evaluate", "ingest", "execute"] as const;
const SIZE_TARGET = 1024 * 1024;
const LOAD_TARGET_MS = 150;
const WRITES_TARGET = 0.1;
const LOAD_RUNS = 7;
const BATCH_SIZES = [100, 10] as const;
/** Assumed round trip of one DynamoDB request from Lambda in the same Region, for the duration model. */
const ASSUMED_REQUEST_MS = 8;
/** The evaluate function's memory in the construct. */
const EVALUATE_MEMORY_GB = 0.5;

/** On-demand prices assumed by the cost model (us-east-1, USD). */
const PRICES = {
  asOf: "AWS price pages as known in 2025 (on-demand DynamoDB prices after the November 2024 reduction); check before relying",
  writeUnitPerMillion: 0.625,
  readUnitPerMillion: 0.125,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  sqsRequestPerMillion: 0.4,
} as const;

interface Bundle {
  readonly name: string;
  readonly dir: string;
  readonly codeBytes: number;
  readonly totalBytes: number;
  /** The external modules (AWS SDK) the bundle imports; the Lambda runtime provides them. */
  readonly externals: readonly string[];
}

/** One cold load: the AWS SDK modules the bundle imports, then the bundle itself. */
interface Load {
  readonly sdkMs: number;
  readonly ownMs: number;
  readonly totalMs: number;
}

interface Usage {
  readonly events: number;
  readonly readRequests: number;
  readonly itemsRead: number;
  readonly readUnits: number;
  readonly writeRequests: number;
  readonly itemsWritten: number;
  readonly writeUnits: number;
}

interface DynamoRun {
  readonly batchSize: number;
  readonly warmUp: Usage;
  readonly steady: Usage;
  readonly writesByNamespace: Record<string, number>;
  readonly marked: number;
  readonly findings: number;
}

function log(text: string): void {
  process.stderr.write(`bench lambda: ${text}\n`);
}

/** Bundles one function with the construct's esbuild options and bundled files. */
async function bundle(name: (typeof FUNCTIONS)[number], dataDir: string): Promise<Bundle> {
  const dir = join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    metafile: true,
    entryPoints: [join(ROOT, "functions", name, "handler.ts")],
    outfile: join(dir, "index.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    keepNames: true,
    external: ["@aws-sdk/*"],
    logLevel: "error",
  });
  const codeBytes = statSync(join(dir, "index.mjs")).size;
  cpSync(dataDir, dir, { recursive: true });
  const externals = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const i of output.imports) if (i.external && i.path.startsWith("@aws-sdk/")) externals.add(i.path);
  }
  return { name, dir, codeBytes, totalBytes: sizeOf(dir), externals: [...externals].sort() };
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((total, entry) => total + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/** Importing the bundle in fresh node processes ({@link LOAD_RUNS}), sorted by total time. */
async function loadTimes(b: Bundle): Promise<Load[]> {
  const env = {
    ...process.env,
    [ENV.mode]: "observe",
    [ENV.tableName]: "vigil-bench",
    [TOPIC_ENV]: "arn:aws:sns:us-east-1:111122223333:vigil-bench",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    NODE_NO_WARNINGS: "1",
  };
  const script = [
    "const t0 = performance.now();",
    `for (const m of ${JSON.stringify(b.externals)}) await import(m);`,
    "const t1 = performance.now();",
    `await import(${JSON.stringify(pathToFileURL(join(b.dir, "index.mjs")).href)});`,
    "const t2 = performance.now();",
    "process.stdout.write(JSON.stringify({ sdkMs: t1 - t0, ownMs: t2 - t1, totalMs: t2 - t0 }));",
  ].join("\n");
  const loads: Load[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    const out = await run(process.execPath, ["--input-type=module", "-e", script], env);
    if (out.code !== 0) {
      throw new Error(`loading ${b.name} failed (exit ${out.code}): ${out.stderr.slice(-600)}`);
    }
    loads.push(JSON.parse(out.stdout) as Load);
  }
  return loads.sort((a, c) => a.totalMs - c.totalMs);
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The moto server the tests use: started from `.venv-moto/` (or VIGIL_TEST_MOTO_ENDPOINT). */
async function startMoto(): Promise<{ endpoint: string; stop: () => void } | string> {
  const external = process.env.VIGIL_TEST_MOTO_ENDPOINT;
  if (external) return { endpoint: external, stop: () => {} };
  const python = join(ROOT, ".venv-moto", "bin", "python");
  if (!existsSync(python)) return "moto is not installed in .venv-moto/ (run `npm test` once to install it)";
  const port = await freePort();
  const server = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    stdio: "ignore",
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      await (await fetch(`${endpoint}/moto-api/`)).arrayBuffer();
      return { endpoint, stop: () => server.kill("SIGTERM") };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  server.kill("SIGKILL");
  return "moto did not answer within 30 s";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** A CloudTrail record as EventBridge delivers it. */
function asEventBridge(record: Record<string, unknown>, index: number): Record<string, unknown> {
  const source = String(record.eventSource ?? "unknown.amazonaws.com").replace(/\.amazonaws\.com$/, "");
  return {
    version: "0",
    id: `bench-${index}`,
    "detail-type":
      record.eventType === "AwsConsoleSignIn"
        ? "AWS Console Signin via CloudTrail"
        : "AWS API Call via CloudTrail",
    source: `aws.${source}`,
    account: "111122223333",
    time: record.eventTime,
    region: record.awsRegion ?? "us-east-1",
    resources: [],
    detail: record,
  };
}

const quiet: FunctionLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Runs the evaluate handler over the demo trail in SQS batches of `batchSize` on `store`. */
async function replayDemo(
  store: EventStateStore,
  batchSize: number,
  onHalf: () => void,
): Promise<{ events: number; marked: number; findings: number; writesByNamespace: Record<string, number> }> {
  const records = demoRecords();
  const batch = new EventBatchEvaluator({
    config: demoConfig(),
    network: new AwsNetworkClassifier(),
    clock: { now: () => Date.now() },
    store,
  });
  const writesByNamespace: Record<string, number> = {};
  let marked = 0;
  let findings = 0;
  const intake = new RecordIntake({
    mode: "observe",
    batch: {
      evaluate: async (uses) => {
        const result = await batch.evaluate(uses);
        marked += result.marked;
        findings += result.findings.length;
        for (const [ns, n] of Object.entries(result.writesByNamespace)) {
          writesByNamespace[ns] = (writesByNamespace[ns] ?? 0) + n;
        }
        return result;
      },
    },
    log: quiet,
  });
  const handler = createEvaluateHandler({ intake, log: quiet });
  const half = Math.floor(records.length / batchSize / 2) * batchSize;
  for (let at = 0; at < records.length; at += batchSize) {
    if (at === half) onHalf();
    const messages = records
      .slice(at, at + batchSize)
      .map((r, i) => sqsMessage(asEventBridge(r, at + i), `m-${at + i}`));
    const result = await handler(sqsBatch(...messages));
    if (result.batchItemFailures.length > 0) throw new Error(`batch at ${at} failed`);
  }
  return { events: records.length, marked, findings, writesByNamespace };
}

function snapshot(usage: DynamoUsage, events: number): Usage {
  return {
    events,
    readRequests: usage.readRequests,
    itemsRead: usage.itemsRead,
    readUnits: usage.readUnits,
    writeRequests: usage.writeRequests,
    itemsWritten: usage.itemsWritten,
    writeUnits: usage.writeUnits,
  };
}

function minus(a: Usage, b: Usage): Usage {
  return {
    events: a.events - b.events,
    readRequests: a.readRequests - b.readRequests,
    itemsRead: a.itemsRead - b.itemsRead,
    readUnits: a.readUnits - b.readUnits,
    writeRequests: a.writeRequests - b.writeRequests,
    itemsWritten: a.itemsWritten - b.itemsWritten,
    writeUnits: a.writeUnits - b.writeUnits,
  };
}

async function measureDynamo(endpoint: string, batchSize: number): Promise<DynamoRun> {
  const raw = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
  const client = DynamoDBDocumentClient.from(raw);
  const tableName = `vigil-bench-${batchSize}-${Date.now()}`;
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: TABLE_KEYS.partition, KeyType: "HASH" },
        { AttributeName: TABLE_KEYS.sort, KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.partition, AttributeType: "S" },
        { AttributeName: TABLE_KEYS.sort, AttributeType: "S" },
      ],
    }),
  );
  await raw.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE_KEYS.ttl },
    }),
  );
  const usage = new DynamoUsage();
  const records = demoRecords().length;
  const half = Math.floor(records / batchSize / 2) * batchSize;
  let warm: Usage | undefined;
  const done = await replayDemo(new DynamoEventStateStore({ client, tableName, usage }), batchSize, () => {
    warm = snapshot(usage, half);
  });
  const total = snapshot(usage, done.events);
  const warmUp = warm ?? total;
  return {
    batchSize,
    warmUp,
    steady: minus(total, warmUp),
    writesByNamespace: done.writesByNamespace,
    marked: done.marked,
    findings: done.findings,
  };
}

/** CPU ms per event of the evaluate handler on an in-process store (no network). */
async function cpuPerEvent(): Promise<number> {
  const started = process.cpuUsage();
  const { events } = await replayDemo(new SqliteEventStateStore(":memory:"), 100, () => {});
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / events;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kb = (bytes: number) => `${fmt(bytes / 1024)} KB`;
const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");

function reportBody(
  bundles: readonly Bundle[],
  loads: ReadonlyMap<string, Load[]>,
  dynamo: readonly DynamoRun[] | string,
  cpuMs: number,
): string {
  const lines = [
    "## Lambda functions: bundle size, cold start, DynamoDB use",
    "",
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, ${platform()} ${release()}`,
    `- Node: ${process.version} (Lambda runs Node.js 22)`,
    "- Command: `npm run bench` (this section alone: `node --import tsx test/bench/lambda.ts`)",
    "- Bundles: esbuild with the construct's options (ESM, node22, minified, names kept, `@aws-sdk/*` external, which the Lambda runtime provides), plus the files the construct copies next to the code (the validated sample config and Amazon's address ranges).",
    `- Module load: in a fresh \`node\` process with the environment the construct sets, first the AWS SDK modules the bundle imports (the Lambda runtime provides them), then the bundle itself (vigil's code: reading the config, building the clients and the classifier); median of ${LOAD_RUNS} runs each, Lambda's own init not included. The target is judged on the total.`,
    `- Load average while measuring: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")} (other work on the machine slows module loading).`,
    "",
    "| function | code | bundle with data | target | verdict | AWS SDK modules | vigil's bundle | total module load | target | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const b of bundles) {
    const l = loads.get(b.name) ?? [];
    const total = median(l.map((x) => x.totalMs));
    lines.push(
      `| ${b.name} | ${kb(b.codeBytes)} | ${kb(b.totalBytes)} | < 1 MB | ${verdict(b.totalBytes < SIZE_TARGET)} | ${fmt(median(l.map((x) => x.sdkMs)))} ms | ${fmt(median(l.map((x) => x.ownMs)))} ms | ${fmt(total)} ms | < ${LOAD_TARGET_MS} ms | ${verdict(total < LOAD_TARGET_MS)} |`,
    );
  }
  lines.push("");
  if (typeof dynamo === "string") {
    lines.push(`DynamoDB use: not measured (${dynamo}).`);
    return lines.join("\n");
  }
  lines.push(
    "### DynamoDB reads and writes per evaluated event",
    "",
    `The evaluate handler (its real code, wired as in the Lambda) runs over the demo trail's ${fmt(dynamo[0]?.warmUp.events ?? 0)} + ${fmt(dynamo[0]?.steady.events ?? 0)} records, each wrapped as the EventBridge event of a CloudTrail record, in SQS batches, against DynamoDB in moto. The first half of the trail (its first days) warms the baselines up; the second half is the steady state. Requests and items are counted exactly; capacity units are computed from the items' sizes by DynamoDB's rules (strongly consistent reads: 1 unit per 4 KB per item; writes: 1 unit per KB, doubled inside a transaction).`,
    "",
    "| SQS batch | phase | read requests / event | items read / event | read units / event | write requests / event | items written / event | write units / event | target (items written) | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const d of dynamo) {
    for (const [phase, u] of [
      ["warm-up", d.warmUp],
      ["steady state", d.steady],
    ] as const) {
      const per = (n: number) => fmt(n / u.events, 3);
      const steady = phase === "steady state";
      lines.push(
        `| ${d.batchSize} | ${phase} | ${per(u.readRequests)} | ${per(u.itemsRead)} | ${per(u.readUnits)} | ${per(u.writeRequests)} | ${per(u.itemsWritten)} | ${per(u.writeUnits)} | ${steady ? `< ${WRITES_TARGET}` : ""} | ${steady ? verdict(u.itemsWritten / u.events < WRITES_TARGET) : ""} |`,
      );
    }
  }
  const main = dynamo[0]!;
  const namespaces = Object.entries(main.writesByNamespace)
    .sort((a, b) => b[1] - a[1])
    .map(([ns, n]) => `${ns} ${fmt(n)}`)
    .join(", ");
  lines.push(
    "",
    `Baseline items written over the whole trail (batches of ${main.batchSize}), by detection: ${namespaces || "none"}. Events marked as processed: ${fmt(main.marked)} (${fmt(main.findings)} with a finding; the others would change state again if delivered twice).`,
    "",
  );
  const u = main.steady;
  const requestsPerEvent = (u.readRequests + u.writeRequests) / u.events;
  const msPerEvent = cpuMs + requestsPerEvent * ASSUMED_REQUEST_MS;
  const dynamoCost =
    (u.writeUnits / u.events) * PRICES.writeUnitPerMillion +
    (u.readUnits / u.events) * PRICES.readUnitPerMillion;
  const lambdaCost =
    (msPerEvent / 1000) * EVALUATE_MEMORY_GB * PRICES.lambdaArmGbSecond * 1e6 +
    PRICES.lambdaRequestPerMillion / main.batchSize;
  const sqsCost = PRICES.sqsRequestPerMillion * (1 + 2 / main.batchSize);
  lines.push(
    "### Cost per million evaluated events (model)",
    "",
    `Prices assumed: ${PRICES.asOf}. us-east-1, on-demand: DynamoDB $${PRICES.writeUnitPerMillion} per million write units and $${PRICES.readUnitPerMillion} per million read units; Lambda arm64 $${PRICES.lambdaArmGbSecond} per GB-second and $${PRICES.lambdaRequestPerMillion} per million invocations; SQS $${PRICES.sqsRequestPerMillion} per million requests. CloudTrail management events reach the default event bus at no charge.`,
    "",
    `Lambda time per event: ${fmt(cpuMs, 3)} ms of compute (measured here, evaluate handler on an in-process store) + ${fmt(requestsPerEvent, 3)} DynamoDB requests × ${ASSUMED_REQUEST_MS} ms assumed per round trip = ${fmt(msPerEvent, 2)} ms at ${EVALUATE_MEMORY_GB * 1024} MB, batches of ${main.batchSize}.`,
    "",
    "| part | per million events |",
    "|---|---|",
    `| DynamoDB (steady state, ${fmt(u.readUnits / u.events, 3)} read and ${fmt(u.writeUnits / u.events, 3)} write units per event) | $${fmt(dynamoCost, 2)} |`,
    `| Lambda (duration + invocations) | $${fmt(lambdaCost, 2)} |`,
    `| SQS (EventBridge's send, batched receive and delete) | $${fmt(sqsCost, 2)} |`,
    `| total | $${fmt(dynamoCost + lambdaCost + sqsCost, 2)} |`,
    "",
    "Not included: storage ($0.25 per GB-month; findings and marks expire, baselines are bounded per credential), PITR backup storage, KMS requests (data keys are cached), CloudWatch Logs ingestion of the functions' logs, and the ingest path, which reads every record of the trail files.",
  );
  return lines.join("\n");
}

function upsertSection(existing: string | undefined, body: string): string {
  const section = `${SECTION_START}\n${body}\n${SECTION_END}`;
  if (existing === undefined) return `# Benchmarks\n\n${section}\n`;
  const start = existing.indexOf(SECTION_START);
  const end = existing.indexOf(SECTION_END);
  if (start === -1 || end === -1) return `${existing.trimEnd()}\n\n${section}\n`;
  return `${existing.slice(0, start)}${section}${existing.slice(end + SECTION_END.length)}`;
}

/** Runs the Lambda benchmark and rewrites its section of BENCHMARKS.md; returns an exit code. */
export async function benchLambda(): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  const dataDir = functionDataDir(configSchema.parse(sampleConfig()));
  const bundles: Bundle[] = [];
  const loads = new Map<string, Load[]>();
  for (const name of FUNCTIONS) {
    const b = await bundle(name, dataDir);
    bundles.push(b);
    log(`${name}: ${kb(b.codeBytes)} code, ${kb(b.totalBytes)} with data`);
    const times = await loadTimes(b);
    loads.set(name, times);
    log(
      `${name}: module load median ${fmt(median(times.map((t) => t.totalMs)))} ms (vigil's bundle ${fmt(median(times.map((t) => t.ownMs)))} ms)`,
    );
  }
  const cpuMs = await cpuPerEvent();
  log(`evaluate compute: ${fmt(cpuMs, 3)} ms per event`);
  const moto = await startMoto();
  let dynamo: DynamoRun[] | string;
  if (typeof moto === "string") {
    dynamo = moto;
  } else {
    try {
      dynamo = [];
      for (const size of BATCH_SIZES) {
        const measured = await measureDynamo(moto.endpoint, size);
        log(
          `batches of ${size}: steady ${fmt(measured.steady.itemsWritten / measured.steady.events, 3)} items written per event`,
        );
        dynamo.push(measured);
      }
    } finally {
      moto.stop();
    }
  }
  const body = reportBody(bundles, loads, dynamo, cpuMs);
  writeFileSync(REPORT, upsertSection(existsSync(REPORT) ? readFileSync(REPORT, "utf8") : undefined, body));
  process.stdout.write(`${body}\n`);
  log(`wrote ${REPORT}`);
  return typeof dynamo === "string" ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await benchLambda();
}
