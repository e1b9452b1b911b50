import { describe, expect, it } from "vitest";
import {
  RecordSplitter,
  type RecordSplitterOptions,
  type SplitItem,
} from "../../shared/ingest/record-splitter.ts";
import { roleSessionRecord, userKeyRecord } from "../support/records.ts";

/** Feeds `input` in chunks of `size` bytes (whole when omitted) and returns every item, end included. */
function split(input: string | Buffer, size?: number, options?: RecordSplitterOptions): SplitItem[] {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const splitter = new RecordSplitter(options);
  const items: SplitItem[] = [];
  const step = size ?? Math.max(1, bytes.length);
  for (let at = 0; at < bytes.length; at += step) items.push(...splitter.push(bytes.subarray(at, at + step)));
  items.push(...splitter.end());
  return items;
}

function valuesOf(items: readonly SplitItem[]): unknown[] {
  return items.flatMap((item) => (item.kind === "value" ? [item.value] : []));
}

function errorsOf(
  items: readonly SplitItem[],
): Array<{ code: string; error: string; line: number; index: number }> {
  return items.flatMap((item) =>
    item.kind === "error" ? [{ code: item.code, error: item.error, line: item.line, index: item.index }] : [],
  );
}

function parserMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} parses`);
}

const r1 = userKeyRecord({ eventID: "e-1" });
const r2 = roleSessionRecord({ eventID: "e-2" });
const r3 = userKeyRecord({
  eventID: "e-3",
  userAgent: 'curl/8 "quoted" back\\slash \\" tail\\\\',
  requestParameters: { bucketName: "b", key: 'weird/{[}]"\\/\u0001/ключ/日本語/🙂' },
});
const RECORDS = [r1, r2, r3];
/** A record small enough for the 100-byte limits below. */
const SMALL = { eventName: "GetCallerIdentity", eventSource: "sts.amazonaws.com" };

/** Mixed-format input that exercises every path of the scanner at once. */
const MIXED = [
  JSON.stringify({ Records: RECORDS }, null, 2),
  JSON.stringify({ Records: [r2] }),
  JSON.stringify(RECORDS),
  JSON.stringify(r3),
  "this line is not JSON",
  JSON.stringify(r1, null, 4),
  '{"a":1,}',
  JSON.stringify({ version: "0", "detail-type": "AWS API Call via CloudTrail", detail: r2 }),
].join("\n");

describe("RecordSplitter", () => {
  it("emits each element of a pretty-printed S3 trail file with its line and index", () => {
    const items = split(JSON.stringify({ Records: RECORDS }, null, 2));
    expect(valuesOf(items)).toEqual(RECORDS);
    const height = (r: unknown) => JSON.stringify(r, null, 2).split("\n").length;
    expect(items.map((i) => [i.line, i.index])).toEqual([
      [3, 0],
      [3 + height(r1), 1],
      [3 + height(r1) + height(r2), 2],
    ]);
  });

  it("emits each element of a one-line trail file and ignores the wrapper's other keys", () => {
    const text = `{"Version":"1.0","Meta":{"Records":[{"x":1}]},"Records":[${RECORDS.map((r) => JSON.stringify(r)).join(",")}],"Tail":[{"y":2}]}`;
    const items = split(text);
    expect(valuesOf(items)).toEqual(RECORDS);
    expect(items.map((i) => [i.line, i.index])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    for (let size = 1; size <= 9; size++) expect(split(text, size)).toEqual(items);
  });

  it("reads several trail files one after another (JSON Lines of wrappers)", () => {
    const text = `${JSON.stringify({ Records: [r1, r2] })}\n${JSON.stringify({ Records: [] })}\n${JSON.stringify({ Records: [r3] })}\n`;
    const items = split(text);
    expect(valuesOf(items)).toEqual(RECORDS);
    expect(items.map((i) => [i.line, i.index])).toEqual([
      [1, 0],
      [1, 1],
      [3, 2],
    ]);
  });

  it("emits each element of a JSON array, pretty or compact", () => {
    expect(valuesOf(split(JSON.stringify(RECORDS, null, 2)))).toEqual(RECORDS);
    expect(valuesOf(split(JSON.stringify(RECORDS)))).toEqual(RECORDS);
    expect(valuesOf(split('[1, "two", null, [3], {"four": 4}]'))).toEqual([1, "two", null, [3], { four: 4 }]);
  });

  it("emits each object of JSON Lines and of objects written back to back", () => {
    const lines = RECORDS.map((r) => JSON.stringify(r));
    const items = split(`${lines.join("\r\n")}\r\n`);
    expect(valuesOf(items)).toEqual(RECORDS);
    expect(items.map((i) => [i.line, i.index])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(valuesOf(split(lines.join("")))).toEqual(RECORDS);
  });

  it("treats one pretty-printed record or EventBridge event as one value", () => {
    const event = {
      version: "0",
      id: "5f1b7c2e-0000-4000-8000-000000000001",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.s3",
      detail: r1,
    };
    expect(split(JSON.stringify(event, null, 2))).toEqual([
      { kind: "value", value: event, line: 1, index: 0 },
    ]);
    expect(split(JSON.stringify(r2, null, 2))).toEqual([{ kind: "value", value: r2, line: 1, index: 0 }]);
  });

  it("keeps an object whose Records is not an array, or is nested deeper, as one value", () => {
    const notArray = { Records: "none", eventName: "x" };
    const nested = { requestParameters: { Records: [{ a: 1 }] }, eventName: "y" };
    expect(valuesOf(split(`${JSON.stringify(notArray)}\n${JSON.stringify(nested)}`))).toEqual([
      notArray,
      nested,
    ]);
  });

  it("gives the same items for 1-byte and 7-byte chunks as for the whole input", () => {
    const whole = split(MIXED);
    expect(valuesOf(whole)).toHaveLength(10);
    expect(errorsOf(whole).map((e) => e.code)).toEqual(["not-json", "invalid-json"]);
    expect(split(MIXED, 1)).toEqual(whole);
    expect(split(MIXED, 7)).toEqual(whole);
    for (let size = 2; size <= 13; size++) expect(split(MIXED, size)).toEqual(whole);
  });

  it("does not end strings at escaped quotes and does end them after escaped backslashes", () => {
    const tricky = [
      { s: 'a\\"b' },
      { s: "ends with backslash \\" },
      { s: 'ends with quote "' },
      { s: "\\\\\\", t: "}]" },
      { s: "{{{[[[", t: '\\"}' },
    ];
    const text = tricky.map((t) => JSON.stringify(t)).join("\n");
    for (const size of [undefined, 1, 2, 3]) expect(valuesOf(split(text, size))).toEqual(tricky);
  });

  it("reports garbage between JSON Lines once per run and keeps the records around it", () => {
    const text = [
      JSON.stringify(r1),
      "hello world",
      JSON.stringify(r2),
      "  \u0000\u0001 binary",
      "more garbage on the next line",
      "",
      JSON.stringify(r3),
    ].join("\n");
    const items = split(text);
    expect(valuesOf(items)).toEqual(RECORDS);
    expect(errorsOf(items)).toEqual([
      {
        code: "not-json",
        error: 'not JSON: starts with "hello world"; expected a CloudTrail record object',
        line: 2,
        index: 1,
      },
      {
        code: "not-json",
        error: 'not JSON: starts with "\\x00\\x01 binary\\nmore g…"; expected a CloudTrail record object',
        line: 4,
        index: 2,
      },
    ]);
    expect(items.filter((i) => i.kind === "value").map((i) => i.index)).toEqual([0, 1, 2]);
  });

  it("reports a PNG file as one run of garbage with an escaped sample", () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      Buffer.from("IHDR", "latin1"),
      Buffer.from([0xff, 0xfe, 0x00, 0x7f, 0x80]),
    ]);
    expect(split(png)).toEqual([
      {
        kind: "error",
        code: "not-json",
        error:
          'not JSON: starts with "\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR…"; expected a CloudTrail record object',
        line: 1,
        index: 0,
      },
    ]);
  });

  it("reports text after a value on the same line and resumes at the next line", () => {
    const items = split(`{"a":1} trailing "junk"\n{"b":2}`);
    expect(valuesOf(items)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(errorsOf(items)).toEqual([
      {
        code: "not-json",
        error: 'not JSON: starts with "trailing \\"junk\\""; expected a CloudTrail record object',
        line: 1,
        index: 1,
      },
    ]);
  });

  it("skips a UTF-8 byte order mark at the start", () => {
    expect(
      valuesOf(split(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(r1))]), 1)),
    ).toEqual([r1]);
  });

  it("reports an element larger than the limit with its full size when it lies in one chunk", () => {
    const big = JSON.stringify({ eventName: "Big", blob: "x".repeat(200) });
    const items = split(`[${big}, ${JSON.stringify(SMALL)}]`, undefined, { maxRecordBytes: 100 });
    expect(valuesOf(items)).toEqual([SMALL]);
    expect(errorsOf(items)).toEqual([
      {
        code: "too-large",
        error: `record is larger than 100 bytes (${big.length} bytes so far); CloudTrail records are at most 256 KB — is this a CloudTrail file?`,
        line: 1,
        index: 0,
      },
    ]);
    expect(items.map((i) => i.index)).toEqual([0, 1]);
  });

  it("reports an oversized element once, as soon as a chunk ends past the limit, and skips the rest", () => {
    const big = JSON.stringify({ blob: "y".repeat(500) });
    const text = `${big}\n${JSON.stringify(SMALL)}`;
    const items = split(text, 64, { maxRecordBytes: 100 });
    expect(valuesOf(items)).toEqual([SMALL]);
    expect(errorsOf(items)).toEqual([
      {
        code: "too-large",
        error:
          "record is larger than 100 bytes (128 bytes so far); CloudTrail records are at most 256 KB — is this a CloudTrail file?",
        line: 1,
        index: 0,
      },
    ]);
  });

  it("never holds more than the limit while skipping a 50 MB single-line record", () => {
    const limit = 16 * 1024 * 1024;
    const chunk = 1024 * 1024;
    const head = Buffer.from('{"Records":[{"eventName":"Huge","blob":"');
    const tail = Buffer.from(`"},${JSON.stringify(r1)}]}`);
    const body = Buffer.alloc(50 * 1024 * 1024, "z");
    const input = Buffer.concat([head, body, tail]);
    const splitter = new RecordSplitter();
    const items: SplitItem[] = [];
    let maxHeld = 0;
    for (let at = 0; at < input.length; at += chunk) {
      items.push(...splitter.push(input.subarray(at, at + chunk)));
      maxHeld = Math.max(maxHeld, splitter.bufferedBytes);
    }
    items.push(...splitter.end());
    expect(maxHeld).toBeLessThanOrEqual(limit);
    expect(splitter.bufferedBytes).toBe(0);
    const seen = 17 * chunk - '{"Records":['.length;
    expect(errorsOf(items)).toEqual([
      {
        code: "too-large",
        error: `record is larger than 16 MiB (${seen} bytes so far); CloudTrail records are at most 256 KB — is this a CloudTrail file?`,
        line: 1,
        index: 0,
      },
    ]);
    expect(items.filter((i) => i.kind === "value")).toEqual([
      { kind: "value", value: r1, line: 1, index: 1 },
    ]);
  });

  it("reports a 100k-deep nested array without parsing it and keeps the next element", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const items = split(`[${deep}, ${JSON.stringify(r1)}]`);
    expect(items).toEqual([
      {
        kind: "error",
        code: "too-deep",
        error:
          "record nests deeper than 64 levels; CloudTrail records nest only a few levels — is this a CloudTrail file?",
        line: 1,
        index: 0,
      },
      { kind: "value", value: r1, line: 1, index: 1 },
    ]);
  });

  it("reports a 100k-deep nested object at top level once and resumes after it", () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const items = split(`${deep}\n${JSON.stringify(r2)}`, 4096);
    expect(errorsOf(items).map((e) => [e.code, e.line, e.index])).toEqual([["too-deep", 1, 0]]);
    expect(items.filter((i) => i.kind === "value")).toEqual([
      { kind: "value", value: r2, line: 2, index: 1 },
    ]);
  });

  it("accepts nesting up to the limit and rejects one level more", () => {
    const nest = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    expect(errorsOf(split(nest(5), undefined, { maxDepth: 5 }))).toEqual([]);
    expect(valuesOf(split(`[${nest(4)}]`, undefined, { maxDepth: 4 }))).toEqual([[[[[]]]]]);
    expect(errorsOf(split(`[${nest(5)}]`, undefined, { maxDepth: 4 })).map((e) => e.code)).toEqual([
      "too-deep",
    ]);
  });

  it("reports a syntactically broken element with the parser's message and goes on", () => {
    const broken = '{"eventName": "x", "n": 1,}';
    const items = split(`${JSON.stringify(r1)}\n${broken}\n${JSON.stringify(r2)}`);
    expect(valuesOf(items)).toEqual([r1, r2]);
    expect(errorsOf(items)).toEqual([
      {
        code: "invalid-json",
        error: `record is not valid JSON: ${parserMessage(broken)}`,
        line: 2,
        index: 1,
      },
    ]);
  });

  it("reports a broken element inside a Records array and keeps its neighbours", () => {
    const items = split(`{"Records":[${JSON.stringify(r1)},{"a":tru},${JSON.stringify(r2)}]}`);
    expect(valuesOf(items)).toEqual([r1, r2]);
    expect(errorsOf(items)).toEqual([
      {
        code: "invalid-json",
        error: `record is not valid JSON: ${parserMessage('{"a":tru}')}`,
        line: 1,
        index: 1,
      },
    ]);
  });

  it("reports a record cut off by the end of input with its size", () => {
    const cut = JSON.stringify(r2).slice(0, 300);
    const items = split(`${JSON.stringify(r1)}\n${cut}`, 5);
    expect(valuesOf(items)).toEqual([r1]);
    expect(errorsOf(items)).toEqual([
      {
        code: "truncated",
        error:
          "truncated record at end of input (300 bytes); the input ends inside this record — was it cut short?",
        line: 2,
        index: 1,
      },
    ]);
  });

  it("reports a Records array or a plain array that never closes", () => {
    expect(errorsOf(split(`{"Records":[${JSON.stringify(r1)},`))).toEqual([
      {
        code: "truncated",
        error:
          'truncated "Records" array at end of input; the file ends before its closing "]}" — was it cut short?',
        line: 1,
        index: 1,
      },
    ]);
    expect(errorsOf(split(`[\n${JSON.stringify(r1)}\n`))).toEqual([
      {
        code: "truncated",
        error: 'truncated array at end of input; the file ends before its closing "]" — was it cut short?',
        line: 1,
        index: 1,
      },
    ]);
  });

  it("gives nothing for empty or blank input", () => {
    expect(split("")).toEqual([]);
    expect(split(" \n\r\n\t\n")).toEqual([]);
  });

  it("refuses chunks after end", () => {
    const splitter = new RecordSplitter();
    splitter.end();
    expect(() => splitter.push(Buffer.from("{}"))).toThrow("RecordSplitter.push called after end()");
  });
});
