import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReadRecordsOptions, type RecordItem, readRecords } from "../../shared/adapters/file-records.ts";
import { roleSessionRecord, userKeyRecord } from "../support/records.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vigil-file-records-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(paths: string[], options?: ReadRecordsOptions): Promise<RecordItem[]> {
  const items: RecordItem[] = [];
  for await (const item of readRecords(paths, options)) items.push(item);
  return items;
}

function valuesOf(items: readonly RecordItem[]): unknown[] {
  return items.flatMap((item) => (item.kind === "value" ? [item.value] : []));
}

function errorsOf(items: readonly RecordItem[]): RecordItem[] {
  return items.filter((item) => item.kind === "error");
}

/** Writes `content` to `name` under the test's temp dir (creating folders) and returns the path. */
async function put(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
  return path;
}

/** Deterministic pseudo-random bytes (xorshift), so a failure can be replayed. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const record = (i: number) =>
  i % 2 === 0
    ? userKeyRecord({ eventID: `e-${i}`, sourceIPAddress: `203.0.113.${i % 250}` })
    : roleSessionRecord({ eventID: `e-${i}` });

describe("readRecords", () => {
  it("walks nested folders in name order, gunzips by magic bytes and skips hidden entries, links and digests", async () => {
    const root = join(dir, "walk");
    await put(
      "walk/2026/03/03/b-trail.json.gz",
      gzipSync(JSON.stringify({ Records: [record(1), record(2)] })),
    );
    await put("walk/2026/03/03/a-trail.json", JSON.stringify({ Records: [record(0)] }, null, 2));
    await put("walk/2026/03/04/gzip-without-extension.json", gzipSync(JSON.stringify(record(3))));
    await put(
      "walk/2026/03/04/plain-named.gz",
      `${JSON.stringify(record(4))}\n${JSON.stringify(record(5))}\n`,
    );
    await put("walk/z-events.jsonl", JSON.stringify([record(6)]));
    await put("walk/.hidden.json", JSON.stringify(record(90)));
    await put("walk/.cache/skipped.json", JSON.stringify(record(91)));
    await put(
      "walk/CloudTrail-Digest/2026/03/03/digest.json.gz",
      gzipSync(JSON.stringify({ digestStartTime: "2026-03-03T00:00:00Z", logFiles: [] })),
    );
    const outside = await put("outside.json", JSON.stringify(record(92)));
    await symlink(outside, join(root, "2026", "link.json"));

    const items = await readAll([root]);
    expect(errorsOf(items)).toEqual([]);
    expect(valuesOf(items)).toEqual([0, 1, 2, 3, 4, 5, 6].map(record));
    expect(items.map((i) => [i.origin.file.slice(root.length + 1), i.origin.line, i.origin.index])).toEqual([
      ["2026/03/03/a-trail.json", 3, 0],
      ["2026/03/03/b-trail.json.gz", 1, 0],
      ["2026/03/03/b-trail.json.gz", 1, 1],
      ["2026/03/04/gzip-without-extension.json", 1, 0],
      ["2026/03/04/plain-named.gz", 1, 0],
      ["2026/03/04/plain-named.gz", 2, 1],
      ["z-events.jsonl", 1, 0],
    ]);
  });

  it("reports a binary file once and goes on with the next path", async () => {
    const header = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]);
    // No newline, `{` or `[` in the body, so nothing in it can look like the start of a record.
    const body = noise(200_000, 7).map((b) => (b === 0x0a || b === 0x7b || b === 0x5b ? 0x20 : b));
    const png = await put("image.png", Buffer.concat([header, body]));
    const good = await put("after-png.jsonl", JSON.stringify(record(1)));
    const items = await readAll([png, good]);
    expect(items).toEqual([
      {
        kind: "error",
        code: "not-json",
        error:
          'not JSON: starts with "\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR…"; expected a CloudTrail record object',
        origin: { file: png, line: 1, index: 0 },
      },
      { kind: "value", value: record(1), origin: { file: good, line: 1, index: 0 } },
    ]);
  });

  it("keeps the good JSON Lines around a garbage line", async () => {
    const lines = [0, 1, 2].map((i) => JSON.stringify(record(i)));
    const path = await put(
      "garbage-between.jsonl",
      [lines[0], lines[1], "<html>oops</html>", lines[2]].join("\n"),
    );
    const items = await readAll([path]);
    expect(valuesOf(items)).toHaveLength(3);
    expect(errorsOf(items)).toEqual([
      {
        kind: "error",
        code: "not-json",
        error: 'not JSON: starts with "<html>oops</html…"; expected a CloudTrail record object',
        origin: { file: path, line: 3, index: 2 },
      },
    ]);
  });

  it("yields the readable records of a truncated gzip file, then one error", async () => {
    const text = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ ...record(i), padding: noise(64, i + 1).toString("hex") }),
    ).join("\n");
    const whole = gzipSync(text);
    const cut = whole.subarray(0, whole.length - 5000);
    const path = await put("cut.json.gz", cut);
    const items = await readAll([path], { chunkBytes: 16 * 1024 });
    const values = items.filter((i) => i.kind === "value");
    expect(values.length).toBeGreaterThan(1000);
    expect(values.length).toBeLessThan(3000);
    expect(values.map((v) => v.origin.index)).toEqual(values.map((_, k) => k));
    expect(valuesOf(values)).toEqual(
      text
        .split("\n")
        .slice(0, values.length)
        .map((line) => JSON.parse(line)),
    );
    expect(errorsOf(items)).toEqual([
      {
        kind: "error",
        code: "gzip-truncated",
        error: `gzip stream ends early after ${cut.length} bytes (unexpected end of file); the file is truncated — re-download it`,
        origin: { file: path, line: values.length + 1, index: values.length },
      },
    ]);
    expect(items.at(-1)?.kind).toBe("error");
  });

  it("reports a corrupt gzip file with zlib's message and reads the next file", async () => {
    const damaged = Buffer.from(gzipSync(JSON.stringify({ Records: [record(0), record(1)] })));
    for (let i = 20; i < 40; i++) damaged[i] = (damaged[i] ?? 0) ^ 0x5a;
    let reason = "";
    try {
      gunzipSync(damaged);
    } catch (err) {
      reason = (err as Error).message;
    }
    const path = await put("damaged.json.gz", damaged);
    const good = await put("after-damaged.json", JSON.stringify(record(2)));
    const items = await readAll([path, good]);
    expect(errorsOf(items)).toEqual([
      {
        kind: "error",
        code: "gzip-corrupt",
        error: `gzip data is corrupt after ${damaged.length} bytes (${reason}); the file is damaged — re-download it`,
        origin: { file: path, line: 1, index: 0 },
      },
    ]);
    expect(items.at(-1)).toEqual({
      kind: "value",
      value: record(2),
      origin: { file: good, line: 1, index: 0 },
    });
  });

  it("skips a 50 MB single-line record with one error and flat memory", async () => {
    const head = Buffer.from(`{"Records":[${JSON.stringify(record(0))},{"eventName":"Huge","blob":"`);
    const tail = Buffer.from(`"},${JSON.stringify(record(1))}]}`);
    const path = await put("huge.json", Buffer.concat([head, Buffer.alloc(50 * 1024 * 1024, "q"), tail]));
    const hugeStart = `{"Records":[${JSON.stringify(record(0))},`.length;
    const chunk = 1024 * 1024;

    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    const timer = setInterval(sample, 2);
    const items: RecordItem[] = [];
    try {
      for await (const item of readRecords([path], { chunkBytes: chunk })) {
        sample();
        items.push(item);
      }
    } finally {
      clearInterval(timer);
    }
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);
    const seen = 17 * chunk - hugeStart; // the first chunk boundary past 16 MiB of the record
    expect(items).toEqual([
      { kind: "value", value: record(0), origin: { file: path, line: 1, index: 0 } },
      {
        kind: "error",
        code: "too-large",
        error: `record is larger than 16 MiB (${seen} bytes so far); CloudTrail records are at most 256 KB — is this a CloudTrail file?`,
        origin: { file: path, line: 1, index: 1 },
      },
      { kind: "value", value: record(1), origin: { file: path, line: 1, index: 2 } },
    ]);
  });

  it("reports a 100k-deep nested array once without crashing", async () => {
    const path = await put("deep.json", `${"[".repeat(100_001)}${"]".repeat(100_001)}\n`);
    expect(await readAll([path])).toEqual([
      {
        kind: "error",
        code: "too-deep",
        error:
          "record nests deeper than 64 levels; CloudTrail records nest only a few levels — is this a CloudTrail file?",
        origin: { file: path, line: 1, index: 0 },
      },
    ]);
  });

  it("reports a broken record with the parser's message", async () => {
    const path = await put("broken.jsonl", `${JSON.stringify(record(0))}\n{"eventName": }\n`);
    let reason = "";
    try {
      JSON.parse('{"eventName": }');
    } catch (err) {
      reason = (err as Error).message;
    }
    expect(errorsOf(await readAll([path]))).toEqual([
      {
        kind: "error",
        code: "invalid-json",
        error: `record is not valid JSON: ${reason}`,
        origin: { file: path, line: 2, index: 1 },
      },
    ]);
  });

  it("reports a plain file cut inside a record", async () => {
    const path = await put("cut.json", `{"Records":[${JSON.stringify(record(0))},{"eventName":"Get`);
    const items = await readAll([path]);
    expect(valuesOf(items)).toEqual([record(0)]);
    expect(errorsOf(items)).toEqual([
      {
        kind: "error",
        code: "truncated",
        error:
          "truncated record at end of input (17 bytes); the input ends inside this record — was it cut short?",
        origin: { file: path, line: 1, index: 1 },
      },
    ]);
  });

  it("reports a missing path and reads the paths after it", async () => {
    const missing = join(dir, "no-such-trail.json");
    const good = await put("present.json", JSON.stringify(record(0)));
    expect(await readAll([missing, good])).toEqual([
      {
        kind: "error",
        code: "missing",
        error: `cannot read ${JSON.stringify(missing)}: no such file or directory; check the path`,
        origin: { file: missing, line: 0, index: 0 },
      },
      { kind: "value", value: record(0), origin: { file: good, line: 1, index: 0 } },
    ]);
  });

  it("gives nothing for an empty file or an empty gzip file", async () => {
    const empty = await put("empty.json", "");
    const emptyGz = await put("empty.json.gz", gzipSync(""));
    expect(await readAll([empty, emptyGz])).toEqual([]);
  });

  it("reads standard input for '-', gzip included, and shows paths through displayPath", async () => {
    const gz = gzipSync(`${JSON.stringify(record(0))}\n${JSON.stringify(record(1))}`);
    const chunks = [gz.subarray(0, 1), gz.subarray(1, 30), gz.subarray(30)];
    const items = await readAll(["-"], {
      stdin: Readable.from(chunks),
      displayPath: (p) => (p === "-" ? "stdin" : p),
    });
    expect(items).toEqual([
      { kind: "value", value: record(0), origin: { file: "stdin", line: 1, index: 0 } },
      { kind: "value", value: record(1), origin: { file: "stdin", line: 2, index: 1 } },
    ]);
    const plain = await readAll(["-"], { stdin: Readable.from([JSON.stringify({ Records: [record(2)] })]) });
    expect(plain).toEqual([
      { kind: "value", value: record(2), origin: { file: "<stdin>", line: 1, index: 0 } },
    ]);
  });

  it("stops cleanly when the reader breaks off early", async () => {
    const path = await put(
      "many.jsonl",
      Array.from({ length: 50 }, (_, i) => JSON.stringify(record(i))).join("\n"),
    );
    const seen: unknown[] = [];
    for await (const item of readRecords([path], { chunkBytes: 256 })) {
      seen.push(item);
      if (seen.length === 2) break;
    }
    expect(valuesOf(seen as RecordItem[])).toEqual([record(0), record(1)]);
  });
});
