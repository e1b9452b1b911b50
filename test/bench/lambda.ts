/**
 * Lambda benchmark (part of `npm run bench`; alone: `npm run bench -- --only lambda`, or
 * `node --import tsx test/bench/lambda.ts`).
 *
 * 1. Bundles each function with esbuild exactly as the Vigil construct does (FUNCTION_BUNDLING of
 *    infra/function-data.ts, which the construct uses too) plus the files the construct copies next to
 *    it (config, Amazon ranges), and reports the sizes.
 * 2. Cold start: loads each bundle in a fresh `node` process with the environment the construct sets
 *    (its table, topic, actions queue, link secret and records bucket created in moto) and the flags
 *    Lambda's Node.js runtime adds, and reports the median of several runs of the module load
 *    (Lambda's init: any external module, the bundle, the wiring at its top level, with the AWS calls
 *    it awaits), then, for evaluate and ingest, of the first invocation (which pays what is deferred
 *    to first use) and of a second one, both against moto.
 * 3. DynamoDB use in steady state: runs the evaluate handler over the demo trail's records, each as an
 *    EventBridge event in SQS batches, against moto (the moto server of the tests, `.venv-moto/`), and
 *    counts requests, items and capacity units per evaluated event. The first half of the trail warms
 *    the baselines up; the second half is reported as steady state.
 * 4. Rewrites its own section of BENCHMARKS.md. It reports PASS/FAIL per target and does not assert.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
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
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { type BuildOptions, build } from "esbuild";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { EventBatchEvaluator } from "../../functions/common/event-batch.ts";
import { ENV } from "../../functions/common/function-config.ts";
import type { FunctionLog } from "../../functions/common/log.ts";
import { RecordIntake } from "../../functions/common/record-intake.ts";
import { createEvaluateHandler } from "../../functions/evaluate/evaluate-handler.ts";
import { BUCKET_ENV } from "../../functions/export/config.ts";
import { notificationKey } from "../../functions/ingest/ingest-handler.ts";
import { FUNCTION_BUNDLING, type FunctionBundling, functionDataDir } from "../../infra/function-data.ts";
import { sampleConfig } from "../../infra/sample-config.ts";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoUsage } from "../../shared/adapters/dynamodb-table.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import { configSchema } from "../../shared/domain/config/schema.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import { demoConfig, demoRecords } from "../functions/demo-trail.ts";
import {
  eventBridgeEvent,
  s3Notification,
  sqsBatch,
  sqsMessage,
  TRAIL_KEY,
  trailFile,
} from "../functions/support.ts";
import { createVigilTableNamed } from "../support/vigil-table.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUT = join(ROOT, ".bench", "lambda");
const REPORT = join(ROOT, "BENCHMARKS.md");
const SECTION_START = "<!-- bench:lambda:start -->";
const SECTION_END = "<!-- bench:lambda:end -->";
/** Every function of the Vigil construct (seed only when baselines are seeded from CloudTrail). */
const FUNCTIONS = ["evaluate", "ingest", "execute", "approvals", "expiry", "export", "seed"] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const SIZE_TARGET = 1024 * 1024;
const LOAD_TARGET_MS = 150;
const WRITES_TARGET = 0.1;
const LOAD_RUNS = 7;
/**
 * What Lambda's Node.js runtime turns off (its documented NODE_OPTIONS: no require of ES modules, no
 * module format detection); passed to the measured processes where this Node knows the flag.
 */
const LAMBDA_NODE_FLAGS = ["--no-experimental-require-module", "--no-experimental-detect-module"].filter(
  (flag) => process.allowedNodeEnvironmentFlags.has(flag),
);
const MOTO_CREDENTIALS = { accessKeyId: "bench", secretAccessKey: "bench" } as const;
const REGION = "us-east-1";
/** The approvals API's URL in the functions' environment (nothing calls it while measuring). */
const APPROVALS_BASE_URL = "https://abc123defg.execute-api.us-east-1.amazonaws.com";
/** Where the functions' AWS clients go without moto: a closed local port, never a real endpoint. */
const NO_ENDPOINT = "http://127.0.0.1:9";
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
  /** The non-`node:` modules the bundle leaves external (none: FUNCTION_BUNDLING bundles the SDK). */
  readonly externals: readonly string[];
}

/**
 * One cold start in a fresh process: the external modules, then the bundle (its top-level wiring
 * included); then, when moto is there, the first invocation and a second one.
 */
interface Load {
  readonly externalMs: number;
  readonly ownMs: number;
  readonly totalMs: number;
  readonly firstMs?: number;
  readonly secondMs?: number;
}

/** The two events one measured process invokes its handler with. */
type Invocations = readonly [unknown, unknown];

/** A function's cold starts ({@link LOAD_RUNS}, sorted by module load), or why it could not start. */
type Loads = readonly Load[] | { readonly failed: string };

/** The AWS resources the functions' environment names: created in moto, or names nothing answers for. */
interface Resources {
  /** Where the functions' AWS clients send their requests (AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly tableName: string;
  readonly topicArn: string;
  /** The FIFO actions queue. */
  readonly queueUrl: string;
  /** The secret that signs approval links. */
  readonly linkSecretArn: string;
  readonly recordsBucket: string;
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

/** NodejsFunction's bundling options as the esbuild options its local bundling passes (`--bundle`, node). */
function esbuildOptions(bundling: FunctionBundling): BuildOptions {
  return {
    bundle: true,
    platform: "node",
    format: bundling.format === OutputFormat.ESM ? "esm" : "cjs",
    target: bundling.target,
    minify: bundling.minify,
    keepNames: bundling.keepNames,
    external: [...bundling.externalModules],
    mainFields: [...bundling.mainFields],
  };
}

/** Bundles one function with the construct's esbuild options and bundled files. */
async function bundle(name: FunctionName, dataDir: string): Promise<Bundle> {
  const dir = join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    ...esbuildOptions(FUNCTION_BUNDLING),
    metafile: true,
    entryPoints: [join(ROOT, "functions", name, "handler.ts")],
    outfile: join(dir, "index.mjs"),
    logLevel: "error",
  });
  const codeBytes = statSync(join(dir, "index.mjs")).size;
  cpSync(dataDir, dir, { recursive: true });
  const externals = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const i of output.imports) if (i.external && !i.path.startsWith("node:")) externals.add(i.path);
  }
  return { name, dir, codeBytes, totalBytes: sizeOf(dir), externals: [...externals].sort() };
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((total, entry) => total + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/**
 * Cold starts of the bundle in fresh node processes ({@link LOAD_RUNS}), sorted by module-load time:
 * each imports the external modules (if any) and the bundle, then, given `invocations(run)`, calls the
 * handler with the run's two events. The handler's log goes to stdout; the times are written to a
 * file. A process that fails (the wiring threw, or the handler reported a failure) ends the runs: the
 * answer is then its error.
 */
async function loadTimes(
  b: Bundle,
  env: Readonly<Record<string, string>>,
  invocations?: (run: number) => Promise<Invocations>,
): Promise<Loads> {
  const script = [
    'import { readFileSync, writeFileSync } from "node:fs";',
    "const t0 = performance.now();",
    `for (const m of ${JSON.stringify(b.externals)}) await import(m);`,
    "const t1 = performance.now();",
    `const { handler } = await import(${JSON.stringify(pathToFileURL(join(b.dir, "index.mjs")).href)});`,
    "const t2 = performance.now();",
    "const times = { externalMs: t1 - t0, ownMs: t2 - t1, totalMs: t2 - t0 };",
    "if (process.env.BENCH_EVENTS) {",
    '  const [first, second] = JSON.parse(readFileSync(process.env.BENCH_EVENTS, "utf8"));',
    "  const ok = (result) => {",
    "    if (result?.batchItemFailures?.length) throw new Error('the handler failed: ' + JSON.stringify(result));",
    "  };",
    "  const t3 = performance.now();",
    "  ok(await handler(first));",
    "  const t4 = performance.now();",
    "  ok(await handler(second));",
    "  Object.assign(times, { firstMs: t4 - t3, secondMs: performance.now() - t4 });",
    "}",
    "writeFileSync(process.env.BENCH_RESULT, JSON.stringify(times));",
  ].join("\n");
  const loads: Load[] = [];
  const result = join(OUT, `${b.name}.result.json`);
  const events = join(OUT, `${b.name}.events.json`);
  for (let i = 0; i < LOAD_RUNS; i++) {
    rmSync(result, { force: true });
    let runEnv: NodeJS.ProcessEnv = { ...process.env, ...env, BENCH_RESULT: result };
    if (invocations !== undefined) {
      writeFileSync(events, JSON.stringify(await invocations(i)));
      runEnv = { ...runEnv, BENCH_EVENTS: events };
    }
    const out = await run(
      process.execPath,
      [...LAMBDA_NODE_FLAGS, "--input-type=module", "-e", script],
      runEnv,
    );
    if (out.code !== 0 || !existsSync(result)) return { failed: failureOf(out.code, out.stderr) };
    loads.push(JSON.parse(readFileSync(result, "utf8")) as Load);
  }
  return loads.sort((a, c) => a.totalMs - c.totalMs);
}

/** The last error a failed process printed (`Name: message`, shortened), or its exit code. */
function failureOf(code: number | null, stderr: string): string {
  const errors = [...stderr.matchAll(/^\s*(?:Uncaught )?(\w*Error(?: \[\w+\])?: .+)$/gm)];
  const last = errors.at(-1)?.[1];
  if (last === undefined) return `exit ${code}`;
  return last.length > 200 ? `${last.slice(0, 199)}…` : last;
}

/**
 * The environment of the measured processes: every variable the construct sets on any of the
 * functions (each reads its own), naming `resources`, with the AWS clients pointed at
 * `resources.endpoint`, plus the static credentials moto takes.
 */
function functionEnv(resources: Resources): Record<string, string> {
  return {
    [ENV.mode]: "observe",
    [ENV.tableName]: resources.tableName,
    [ENV.topicArn]: resources.topicArn,
    [ENV.actionsQueueUrl]: resources.queueUrl,
    [APPROVALS_ENV.baseUrl]: APPROVALS_BASE_URL,
    [APPROVALS_ENV.linkSecretArn]: resources.linkSecretArn,
    [BUCKET_ENV]: resources.recordsBucket,
    POWERTOOLS_LOG_LEVEL: "INFO",
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: resources.endpoint,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    NODE_NO_WARNINGS: "1",
  };
}

/** Resources without moto: names only, and an endpoint nothing listens on (no real AWS is called). */
const UNREACHABLE: Resources = {
  endpoint: NO_ENDPOINT,
  tableName: "vigil-bench",
  topicArn: `arn:aws:sns:${REGION}:111122223333:vigil-bench`,
  queueUrl: `https://sqs.${REGION}.amazonaws.com/111122223333/vigil-bench-actions.fifo`,
  linkSecretArn: `arn:aws:secretsmanager:${REGION}:111122223333:secret:vigil-bench-links-AbCdEf`,
  recordsBucket: "vigil-bench-records",
};

/**
 * The resources the construct creates and names in the functions' environment, created in moto: the
 * table, the notification topic, the FIFO actions queue, the link secret (64 random characters, as
 * the construct generates it) and the records bucket.
 */
async function createResources(endpoint: string): Promise<Resources> {
  const tag = Date.now();
  const clients = { endpoint, region: REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  const tableName = `vigil-bench-cold-${tag}`;
  await createVigilTableNamed(DynamoDBDocumentClient.from(motoDynamo(endpoint)), tableName);
  const topic = await new SNSClient(clients).send(new CreateTopicCommand({ Name: `vigil-bench-${tag}` }));
  const queue = await new SQSClient(clients).send(
    new CreateQueueCommand({
      QueueName: `vigil-bench-actions-${tag}.fifo`,
      Attributes: { FifoQueue: "true" },
    }),
  );
  const secret = await new SecretsManagerClient(clients).send(
    new CreateSecretCommand({
      Name: `vigil-bench-links-${tag}`,
      SecretString: randomBytes(48).toString("base64url"),
    }),
  );
  const recordsBucket = `vigil-bench-records-${tag}`;
  await new S3Client({ ...clients, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: recordsBucket }),
  );
  return {
    endpoint,
    tableName,
    topicArn: topic.TopicArn!,
    queueUrl: queue.QueueUrl!,
    linkSecretArn: secret.ARN!,
    recordsBucket,
  };
}

/** The StopLogging fixture's EventBridge event with an eventID of its own (no two runs share one). */
function stopLogging(tag: string): Record<string, unknown> {
  const event = eventBridgeEvent();
  const detail = event.detail as Record<string, unknown>;
  return { ...event, id: `bench-${tag}`, detail: { ...detail, eventID: `bench-${tag}` } };
}

/**
 * The events each measured function is invoked with, per run: evaluate gets an SQS batch of one
 * EventBridge event (a public source address: the Amazon ranges load on first use); ingest an SQS
 * batch of one S3 notification of a trail file of two records, put into a moto bucket first. The
 * other functions are measured for module load only.
 */
async function invocationsOf(
  name: FunctionName,
  endpoint: string,
): Promise<((run: number) => Promise<Invocations>) | undefined> {
  if (name === "evaluate") {
    return async (run) => [
      sqsBatch(sqsMessage(stopLogging(`e${run}a`), `m-${run}a`)),
      sqsBatch(sqsMessage(stopLogging(`e${run}b`), `m-${run}b`)),
    ];
  }
  if (name !== "ingest") return undefined;
  const bucket = `vigil-bench-trail-${Date.now()}`;
  const s3 = new S3Client({
    endpoint,
    region: REGION,
    credentials: MOTO_CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = async (tag: string) => {
    const key = notificationKey(TRAIL_KEY).replace(".json.gz", `-${tag}.json.gz`);
    const records = [`${tag}1`, `${tag}2`].map((id) => stopLogging(id).detail);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: trailFile(records) }));
    return sqsBatch(sqsMessage(s3Notification(key, undefined, bucket), `m-${tag}`));
  };
  return async (run) => [await put(`i${run}a`), await put(`i${run}b`)];
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

function motoDynamo(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
}

async function measureDynamo(endpoint: string, batchSize: number): Promise<DynamoRun> {
  const raw = motoDynamo(endpoint);
  const client = DynamoDBDocumentClient.from(raw);
  const tableName = `vigil-bench-${batchSize}-${Date.now()}`;
  await createVigilTableNamed(client, tableName);
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
  loads: ReadonlyMap<string, Loads>,
  dynamo: readonly DynamoRun[] | string,
  cpuMs: number,
  loadBefore: readonly number[],
): string {
  const averages = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(", ");
  const lines = [
    "## Lambda functions: bundle size, cold start, DynamoDB use",
    "",
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, ${platform()} ${release()}`,
    `- Node: ${process.version} (Lambda runs Node.js 22)`,
    "- Command: `npm run bench` (this section alone: `npm run bench -- --only lambda`)",
    `- Bundles: esbuild with the construct's options (FUNCTION_BUNDLING in infra/function-data.ts: ${describeBundling(FUNCTION_BUNDLING)}), plus the files the construct copies next to the code (the validated sample config and Amazon's address ranges). The AWS SDK is bundled from its ES module build, so what is measured is what ships; nothing is resolved from this machine's node_modules at load.`,
    `- Module load (Lambda's init phase without the runtime's own start): in a fresh \`node\` process with the flags Lambda's Node.js runtime adds (${LAMBDA_NODE_FLAGS.map((f) => `\`${f}\``).join(", ") || "none known to this Node"}) and the environment the construct sets (every variable it sets on any function; the table, topic, FIFO actions queue, link secret and records bucket they name are created in moto on this machine, and the AWS clients point at it), the time to import \`index.mjs\` as the runtime does: the modules left external (if any), then the bundle, whose top level reads the config, builds the SDK clients, the stores and the handler, and awaits the AWS calls its wiring makes (the approvals function, which verifies a link on every request, reads the link secret from Secrets Manager: one request to moto, with the SDK's credential, endpoint and connection set-up it pays first; evaluate, ingest and expiry read it when they first announce an approval request). Median of ${LOAD_RUNS} runs; the target is judged on it.`,
    "- First invocation: in the same process, right after the load, the handler's first call (an SQS batch of one EventBridge event for evaluate, of one S3 notification of a two-record trail file for ingest) against moto; it pays what is deferred to first use (the Amazon ranges, the first DynamoDB and S3 requests, and, as the event's identity declares a time window, ICU's date formatting set-up on the first window check). The second invocation is the same call with other events, for comparison. The other functions are measured for module load only.",
    `- Load average (1, 5, 15 min) before measuring: ${averages(loadBefore)}; after: ${averages(loadavg())}. The benchmark itself keeps about one core busy; other work on the machine slows module loading.`,
    "",
    "| function | code | bundle with data | target | verdict | external modules | module load (init) | target | verdict | first invocation | second invocation |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const b of bundles) {
    const size = `| ${b.name} | ${kb(b.codeBytes)} | ${kb(b.totalBytes)} | < 1 MB | ${verdict(b.totalBytes < SIZE_TARGET)} |`;
    const l = loads.get(b.name) ?? { failed: "not loaded" };
    if ("failed" in l) {
      const why = l.failed.replace(/\|/g, "\\|");
      lines.push(
        `${size} ${b.externals.length} | did not start: ${why} | < ${LOAD_TARGET_MS} ms | FAIL | | |`,
      );
      continue;
    }
    const total = median(l.map((x) => x.totalMs));
    const external =
      b.externals.length === 0
        ? "none"
        : `${b.externals.length}: ${fmt(median(l.map((x) => x.externalMs)))} ms`;
    lines.push(
      `${size} ${external} | ${fmt(total)} ms | < ${LOAD_TARGET_MS} ms | ${verdict(total < LOAD_TARGET_MS)} | ${invocationTime(l, "firstMs")} | ${invocationTime(l, "secondMs")} |`,
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

function describeBundling(b: FunctionBundling): string {
  const externals =
    b.externalModules.length === 0 ? "nothing external" : `${b.externalModules.join(", ")} external`;
  return `${b.format}, ${b.target}, ${b.minify ? "minified" : "not minified"}, ${b.keepNames ? "names kept" : "names not kept"}, ${externals}, main fields ${b.mainFields.join(" then ")}`;
}

/** The median of one invocation time over the runs, or why there is none. */
function invocationTime(loads: readonly Load[], which: "firstMs" | "secondMs"): string {
  const times = loads.flatMap((l) => l[which] ?? []);
  return times.length === 0 ? "not measured" : `${fmt(median(times))} ms`;
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
  const loadBefore = loadavg();
  mkdirSync(OUT, { recursive: true });
  const dataDir = functionDataDir(configSchema.parse(sampleConfig()));
  const moto = await startMoto();
  if (typeof moto === "string") log(`invocations and DynamoDB use not measured: ${moto}`);
  let measured: { body: string; dynamo: DynamoRun[] | string };
  try {
    measured = await measureAll(
      dataDir,
      typeof moto === "string" ? moto : { endpoint: moto.endpoint },
      loadBefore,
    );
  } finally {
    if (typeof moto !== "string") moto.stop();
  }
  const { body, dynamo } = measured;
  writeFileSync(REPORT, upsertSection(existsSync(REPORT) ? readFileSync(REPORT, "utf8") : undefined, body));
  process.stdout.write(`${body}\n`);
  log(`wrote ${REPORT}`);
  return typeof dynamo === "string" ? 1 : 0;
}

/**
 * Bundles, cold starts, compute and DynamoDB use; `moto` is its endpoint, or why there is none;
 * `loadBefore` the load average before the benchmark started.
 */
async function measureAll(
  dataDir: string,
  moto: { readonly endpoint: string } | string,
  loadBefore: readonly number[],
): Promise<{ body: string; dynamo: DynamoRun[] | string }> {
  const endpoint = typeof moto === "string" ? undefined : moto.endpoint;
  const env = functionEnv(endpoint === undefined ? UNREACHABLE : await createResources(endpoint));
  const bundles: Bundle[] = [];
  const loads = new Map<string, Loads>();
  for (const name of FUNCTIONS) {
    const b = await bundle(name, dataDir);
    bundles.push(b);
    log(`${name}: ${kb(b.codeBytes)} code, ${kb(b.totalBytes)} with data`);
    const invocations = endpoint === undefined ? undefined : await invocationsOf(name, endpoint);
    const times = await loadTimes(b, env, invocations);
    loads.set(name, times);
    log(
      "failed" in times
        ? `${name}: did not start: ${times.failed}`
        : `${name}: module load median ${fmt(median(times.map((t) => t.totalMs)))} ms, first invocation ${invocationTime(times, "firstMs")}, second ${invocationTime(times, "secondMs")}`,
    );
  }
  const cpuMs = await cpuPerEvent();
  log(`evaluate compute: ${fmt(cpuMs, 3)} ms per event`);
  const dynamo: DynamoRun[] | string = typeof moto === "string" ? moto : [];
  if (endpoint !== undefined && typeof dynamo !== "string") {
    for (const size of BATCH_SIZES) {
      const run = await measureDynamo(endpoint, size);
      log(
        `batches of ${size}: steady ${fmt(run.steady.itemsWritten / run.steady.events, 3)} items written per event`,
      );
      dynamo.push(run);
    }
  }
  return { body: reportBody(bundles, loads, dynamo, cpuMs, loadBefore), dynamo };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await benchLambda();
}
