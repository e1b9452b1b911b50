/**
 * Replay benchmark: `npm run bench [-- --records N]` (default 1,000,000 records), followed by the
 * Lambda functions' benchmark (test/bench/lambda.ts). `--only replay` or `--only lambda` runs one of
 * them and rewrites only its own section of BENCHMARKS.md.
 *
 * 1. Generates a large trail once with the demo generator (ordinary activity at scale, the five
 *    attack stories repeated every week) as JSON Lines under `.bench/`, reused while its size and the
 *    generator version stay the same.
 * 2. Measures, each in its own child process: (a) a baseline that only reads the lines and
 *    JSON.parses them, (b) `vigil replay FILE --config shared/demo/vigil.config.yaml --memory --json`
 *    through the real CLI; throughput from wall time, peak RSS from a preloaded module.
 * 3. Rewrites its section of BENCHMARKS.md. It reports PASS/FAIL per target; it does not assert, and
 *    exits non-zero only when something could not be measured.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { arch, cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEMO_START, GENERATOR_VERSION, generateTrail } from "../../shared/demo/generate.ts";
import { benchLambda } from "./lambda.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BENCH_DIR = join(ROOT, ".bench");
const PEAK_RSS = pathToFileURL(fileURLToPath(new URL("./peak-rss.mjs", import.meta.url))).href;
const CLI = join(ROOT, "bin", "vigil.mjs");
const CONFIG = "shared/demo/vigil.config.yaml";
const REPORT = join(ROOT, "BENCHMARKS.md");
const SECTION_START = "<!-- bench:replay:start -->";
const SECTION_END = "<!-- bench:replay:end -->";
const RATIO_TARGET = 0.5;
const RSS_TARGET_MB = 300;
const DEFAULT_RECORDS = 1_000_000;
/** Records per generated week; more records mean more weeks, each with its own five stories. */
const RECORDS_PER_WEEK = 250_000;

/** How the benchmark trail was made; stored next to it to decide whether it can be reused. */
interface TrailMeta {
  readonly version: number;
  readonly records: number;
  readonly bytes: number;
  readonly weeks: number;
  readonly scale: number;
}

/** What one measured child process did. */
interface Measurement {
  readonly seconds: number;
  readonly peakRssKb: number | undefined;
  readonly exitCode: number | null;
  readonly stderr: string;
}

// --- the trail -------------------------------------------------------------------------------------

function countRecords(scale: number): number {
  let n = 0;
  for (const _ of generateTrail({ start: DEMO_START, days: 7, scale })) n++;
  return n;
}

/** Picks weeks and a volume scale so that the trail reaches `records` inside its last planned week. */
function planTrail(records: number): { weeks: number; scale: number } {
  const weeks = Math.max(1, Math.ceil(records / RECORDS_PER_WEEK));
  const atOne = countRecords(1);
  const perScale = (countRecords(4) - atOne) / 3;
  const fixed = atOne - perScale;
  const scale = Math.max(1, ((records / weeks - fixed) / perScale) * 1.05);
  return { weeks, scale: Math.round(scale * 100) / 100 };
}

function readMeta(path: string): TrailMeta | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof value !== "object" || value === null) return undefined;
    const meta = value as Partial<TrailMeta>;
    const numbers = [meta.version, meta.records, meta.bytes, meta.weeks, meta.scale];
    return numbers.every((n) => typeof n === "number") ? (meta as TrailMeta) : undefined;
  } catch {
    return undefined;
  }
}

/** Returns the JSON Lines trail of `records` records, generating it unless a matching one exists. */
function ensureTrail(records: number): { file: string; meta: TrailMeta; reused: boolean } {
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = join(BENCH_DIR, `trail-${records}-v${GENERATOR_VERSION}.jsonl`);
  const metaFile = `${file}.meta.json`;
  const known = readMeta(metaFile);
  if (
    known !== undefined &&
    known.version === GENERATOR_VERSION &&
    known.records === records &&
    existsSync(file) &&
    statSync(file).size === known.bytes
  ) {
    return { file, meta: known, reused: true };
  }
  const { weeks, scale } = planTrail(records);
  log(`generating ${fmt(records)} records (${weeks} week(s), volume scale ${scale}) into ${file}`);
  const started = performance.now();
  const partial = `${file}.partial`;
  const fd = openSync(partial, "w");
  let written = 0;
  let bytes = 0;
  let chunk: string[] = [];
  let chunkLength = 0;
  const flush = () => {
    const text = chunk.join("");
    bytes += Buffer.byteLength(text);
    writeSync(fd, text);
    chunk = [];
    chunkLength = 0;
  };
  try {
    for (const record of generateTrail({ start: DEMO_START, days: (weeks + 1) * 7, scale })) {
      const line = `${JSON.stringify(record)}\n`;
      chunk.push(line);
      chunkLength += line.length;
      if (chunkLength >= 8 << 20) flush();
      if (++written === records) break;
    }
    flush();
  } finally {
    closeSync(fd);
  }
  if (written < records)
    throw new Error(
      `the generator gave only ${written} of ${records} records; raise RECORDS_PER_WEEK's slack`,
    );
  renameSync(partial, file);
  const meta: TrailMeta = { version: GENERATOR_VERSION, records, bytes, weeks, scale };
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  log(`generated ${fmt(bytes / 1e6, 0)} MB in ${fmt((performance.now() - started) / 1000, 1)} s`);
  return { file, meta, reused: false };
}

// --- the measured runs -------------------------------------------------------------------------------

/** The baseline, run with plain Node: read the file in 1 MiB chunks, split lines, JSON.parse each. */
const BASELINE = `
import { createReadStream } from "node:fs";
let records = 0;
let rest = "";
for await (const chunk of createReadStream(process.env.BENCH_FILE, { encoding: "utf8", highWaterMark: 1 << 20 })) {
  const lines = (rest + chunk).split("\\n");
  rest = lines.pop();
  for (const line of lines) {
    if (line.length > 0 && typeof JSON.parse(line) === "object") records++;
  }
}
if (rest.length > 0 && typeof JSON.parse(rest) === "object") records++;
process.stdout.write(JSON.stringify({ records }) + "\\n");
`;

/** Runs `node args…` with the peak-RSS module preloaded and stdout written to `stdoutFile`. */
function measure(
  args: readonly string[],
  stdoutFile: string,
  env: Record<string, string> = {},
): Promise<Measurement> {
  const rssFile = `${stdoutFile}.rss`;
  rmSync(rssFile, { force: true });
  const out = openSync(stdoutFile, "w");
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", PEAK_RSS, ...args], {
    cwd: ROOT,
    stdio: ["ignore", out, "pipe"],
    env: { ...process.env, ...env, VIGIL_PEAK_RSS_FILE: rssFile },
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-8000);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (exitCode) => {
      const seconds = (performance.now() - started) / 1000;
      closeSync(out);
      const rss = existsSync(rssFile) ? Number.parseInt(readFileSync(rssFile, "utf8"), 10) : Number.NaN;
      resolve({ seconds, peakRssKb: Number.isFinite(rss) ? rss : undefined, exitCode, stderr });
    });
  });
}

/** The `summary` of vigil's JSON output, or why there is none. */
function readSummary(file: string): Record<string, number> | string {
  const text = readFileSync(file, "utf8");
  try {
    const value: unknown = JSON.parse(text);
    const summary =
      typeof value === "object" && value !== null ? (value as { summary?: unknown }).summary : undefined;
    if (typeof summary !== "object" || summary === null) return "the output has no summary object";
    const numbers: Record<string, number> = {};
    for (const [key, n] of Object.entries(summary)) if (typeof n === "number") numbers[key] = n;
    return numbers;
  } catch (error) {
    return `the output is not JSON (${(error as Error).message}): ${text.slice(0, 200)}`;
  }
}

// --- the report ------------------------------------------------------------------------------------

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function megabytes(kb: number | undefined): string {
  return kb === undefined ? "not measured" : `${fmt((kb * 1024) / 1e6, 1)} MB`;
}

function log(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

/** Replaces this benchmark's section of BENCHMARKS.md (between its markers), creating the file if needed. */
function upsertSection(existing: string | undefined, body: string): string {
  const section = `${SECTION_START}\n${body.trim()}\n${SECTION_END}`;
  if (existing === undefined) {
    return `# Benchmarks\n\nEach section is written by its own benchmark and rewritten when it runs again.\n\n${section}\n`;
  }
  const start = existing.indexOf(SECTION_START);
  const end = existing.indexOf(SECTION_END);
  if (start !== -1 && end > start) {
    return existing.slice(0, start) + section + existing.slice(end + SECTION_END.length);
  }
  return `${existing.trimEnd()}\n\n${section}\n`;
}

interface Results {
  readonly records: number;
  readonly meta: TrailMeta;
  readonly command: string;
  readonly baseline: Measurement;
  readonly baselineRecords: number | undefined;
  readonly replay: Measurement | undefined;
  readonly replayProblem: string | undefined;
  readonly summary: Record<string, number> | undefined;
}

function reportBody(r: Results): string {
  const cpu = cpus();
  const baselineRate = r.records / r.baseline.seconds;
  const replayRate =
    r.replay === undefined || r.replayProblem !== undefined ? undefined : r.records / r.replay.seconds;
  const ratio = replayRate === undefined ? undefined : replayRate / baselineRate;
  const rssKb = r.replayProblem === undefined ? r.replay?.peakRssKb : undefined;
  const rssMb = rssKb === undefined ? undefined : (rssKb * 1024) / 1e6;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? "not measured" : ok ? "PASS" : "FAIL");
  const at1M = r.records === DEFAULT_RECORDS ? "" : ` (measured at ${fmt(r.records)} records)`;
  const s = r.summary;
  const lines = [
    "## Replay throughput and memory",
    "",
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, ${platform()} ${release()} ${arch()}`,
    `- Node: ${process.version}`,
    `- Command: \`${r.command}\``,
    `- Trail: ${fmt(r.records)} CloudTrail records as JSON Lines (${fmt(r.meta.bytes / 1e6, 0)} MB), made by shared/demo/generate.ts v${r.meta.version}: ${r.meta.weeks} week(s) of the demo estate at ${r.meta.scale}x its app and batch volume, the five attack stories in every week.`,
    "- Throughput is records divided by the wall time of the child process (start-up included); peak RSS is the child's `process.resourceUsage().maxRSS`.",
    "",
    "| measurement | result | target | verdict |",
    "|---|---|---|---|",
    `| (a) baseline: read lines + JSON.parse | ${fmt(baselineRate)} records/s (${fmt(r.baseline.seconds, 1)} s) | | |`,
    `| (b) \`vigil replay --memory --json\` | ${replayRate === undefined ? "not measured" : `${fmt(replayRate)} records/s (${fmt(r.replay?.seconds ?? 0, 1)} s)`} | | |`,
    `| ratio (b)/(a) | ${ratio === undefined ? "not measured" : fmt(ratio, 2)} | >= ${RATIO_TARGET} | ${verdict(ratio === undefined ? undefined : ratio >= RATIO_TARGET)} |`,
    `| peak RSS of (b) | ${megabytes(rssKb)} | < ${RSS_TARGET_MB} MB at 1M records${at1M} | ${verdict(rssMb === undefined ? undefined : rssMb < RSS_TARGET_MB)} |`,
    `| peak RSS of (a), for comparison | ${megabytes(r.baseline.peakRssKb)} | | |`,
    "",
  ];
  if (r.replayProblem !== undefined) {
    lines.push(`Replay was not measured: ${r.replayProblem}`, "");
  } else if (s !== undefined) {
    lines.push(
      `vigil's summary: ${fmt(s.records ?? Number.NaN)} records, ${fmt(s.rejected ?? Number.NaN)} rejected, ${fmt(s.findings ?? Number.NaN)} findings, ${fmt(s.exposures ?? Number.NaN)} exposures.`,
      "",
    );
  }
  return lines.join("\n");
}

// --- main --------------------------------------------------------------------------------------------

/** The benchmarks `--only` can select. */
const PARTS = ["replay", "lambda"] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { records: { type: "string" }, only: { type: "string" } },
    strict: true,
  });
  const only = values.only;
  if (only !== undefined && !(PARTS as readonly string[]).includes(only)) {
    process.stderr.write(
      `bench: --only ${JSON.stringify(only)} is not a benchmark; use --only ${PARTS.join(" or --only ")}, or leave it out to run both\n`,
    );
    return 2;
  }
  let code = only === "lambda" ? 0 : await replayBench(values.records);
  // The Lambda functions' section (bundle size, cold start, DynamoDB use): test/bench/lambda.ts.
  if (only !== "replay" && code !== 2) code = Math.max(code, await benchLambda());
  return code;
}

/** The replay benchmark: measures, rewrites its section, returns an exit code. */
async function replayBench(recordsOption: string | undefined): Promise<number> {
  const values = { records: recordsOption };
  const records = values.records === undefined ? DEFAULT_RECORDS : Number(values.records.replaceAll("_", ""));
  if (!Number.isInteger(records) || records < 1) {
    process.stderr.write(
      `bench: --records ${JSON.stringify(values.records)} is not a positive whole number; try --records 100000\n`,
    );
    return 2;
  }
  const command =
    values.records === undefined ? "npm run bench" : `npm run bench -- --records ${values.records}`;
  const { file, meta, reused } = ensureTrail(records);
  if (reused) log(`reusing ${file}`);

  const work = mkdtempSync(join(tmpdir(), "vigil-bench-"));
  try {
    log("(a) baseline: reading and parsing every line");
    const baseline = await measure(["--input-type=module", "-e", BASELINE], join(work, "baseline.json"), {
      BENCH_FILE: file,
    });
    let baselineRecords: number | undefined;
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(work, "baseline.json"), "utf8"));
      const n =
        typeof parsed === "object" && parsed !== null ? (parsed as { records?: unknown }).records : undefined;
      baselineRecords = typeof n === "number" ? n : undefined;
    } catch {
      baselineRecords = undefined;
    }
    if (baseline.exitCode !== 0 || baselineRecords !== records) {
      process.stderr.write(
        `bench: the baseline failed (exit ${baseline.exitCode}, ${baselineRecords} records):\n${baseline.stderr}\n`,
      );
      return 1;
    }
    log(`(a) ${fmt(records / baseline.seconds)} records/s, peak RSS ${megabytes(baseline.peakRssKb)}`);

    let replay: Measurement | undefined;
    let replayProblem: string | undefined;
    let summary: Record<string, number> | undefined;
    if (!existsSync(CLI)) {
      replayProblem = `${CLI} does not exist yet`;
    } else {
      log("(b) vigil replay");
      const output = join(work, "replay.json");
      replay = await measure([CLI, "replay", file, "--config", CONFIG, "--memory", "--json"], output);
      const read = readSummary(output);
      if (typeof read === "string") {
        replayProblem = `exit code ${replay.exitCode}; ${read}; stderr: ${replay.stderr.trim().slice(-600)}`;
      } else {
        summary = read;
        const seen = (read.records ?? 0) + (read.rejected ?? 0);
        if (read.records !== records) {
          replayProblem = `vigil read ${read.records} records (+${read.rejected} rejected = ${seen}), expected ${records}`;
        }
      }
      if (replayProblem === undefined) {
        log(
          `(b) ${fmt(records / replay.seconds)} records/s, peak RSS ${megabytes(replay.peakRssKb)}, exit ${replay.exitCode}`,
        );
      }
    }

    const body = reportBody({
      records,
      meta,
      command,
      baseline,
      baselineRecords,
      replay,
      replayProblem,
      summary,
    });
    writeFileSync(REPORT, upsertSection(existsSync(REPORT) ? readFileSync(REPORT, "utf8") : undefined, body));
    process.stdout.write(`${body}\n`);
    log(`wrote ${REPORT}`);
    if (replayProblem !== undefined) {
      log(`replay not measured: ${replayProblem}`);
      return 1;
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
