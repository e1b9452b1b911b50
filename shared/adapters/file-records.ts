import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { RecordOrigin } from "../domain/event.ts";
import {
  RecordSplitter,
  type RecordSplitterOptions,
  type SplitErrorCode,
  type SplitItem,
} from "../ingest/record-splitter.ts";

/** Why an input gave an error item: a scan error of the splitter, or one about the file itself. */
export type RecordErrorCode = SplitErrorCode | "gzip-truncated" | "gzip-corrupt" | "missing" | "unreadable";

/**
 * One item read from the inputs: a parsed JSON value (validated downstream by the normalizer), or a
 * specific reason why the bytes at `origin` gave none. For an error about a whole file, `line` is 0.
 */
export type RecordItem =
  | { readonly kind: "value"; readonly value: unknown; readonly origin: RecordOrigin }
  | {
      readonly kind: "error";
      readonly code: RecordErrorCode;
      readonly error: string;
      readonly origin: RecordOrigin;
    };

/** How {@link readRecords} reads; the splitter limits apply to every file. */
export interface ReadRecordsOptions extends RecordSplitterOptions {
  /** Size of the chunks read from disk and out of gunzip. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** What the path `-` reads. Default `process.stdin`. */
  readonly stdin?: AsyncIterable<Buffer | string>;
  /** How a path is shown in `origin.file`. Default: as walked, and `<stdin>` for `-`. */
  readonly displayPath?: (path: string) => string;
}

/** Default of {@link ReadRecordsOptions.chunkBytes}. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

const STDIN = "-";

type Input = { readonly path: string } | ({ readonly path: string } & Failure);

function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string")
    return err.code;
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What went wrong reading a path, said so that the fix is clear. */
interface Failure {
  readonly code: RecordErrorCode;
  readonly error: string;
}

function fsFailure(path: string, err: unknown): Failure {
  const code = errnoOf(err);
  const shown = JSON.stringify(path);
  if (code === "ENOENT" || code === "ENOTDIR") {
    return { code: "missing", error: `cannot read ${shown}: no such file or directory; check the path` };
  }
  if (code === "EACCES" || code === "EPERM") {
    return {
      code: "unreadable",
      error: `cannot read ${shown}: permission denied; check the permissions of the file and its directories`,
    };
  }
  return { code: "unreadable", error: `cannot read ${shown}: ${messageOf(err)}` };
}

function pathError(path: string, err: unknown): Input {
  return { path, ...fsFailure(path, err) };
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Regular files under `dir`, depth first in name order. Hidden entries, links and devices are skipped,
 * and so are `CloudTrail-Digest` folders: an S3 trail bucket keeps its integrity digests there, which
 * are not records (pass a digest file by name to read it anyway).
 */
async function* walk(dir: string): AsyncGenerator<Input> {
  let entries: Array<{ name: string; isFile(): boolean; isDirectory(): boolean }>;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield pathError(dir, err);
    return;
  }
  entries.sort(byName);
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "CloudTrail-Digest") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield { path };
  }
}

/** The given paths expanded: directories walked, `-` kept, anything unreadable turned into an error. */
async function* inputsOf(paths: readonly string[]): AsyncGenerator<Input> {
  for (const path of paths) {
    if (path === STDIN) {
      yield { path };
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      yield pathError(path, err);
      continue;
    }
    if (info.isDirectory()) yield* walk(path);
    else if (info.isFile() || info.isFIFO()) yield { path };
    else {
      yield {
        path,
        code: "unreadable",
        error: `cannot read ${JSON.stringify(path)}: not a regular file or directory; pass trail files or folders of them`,
      };
    }
  }
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
}

/** Counts the compressed bytes fed to gunzip, for the error message of a broken gzip file. */
interface GzipState {
  gzip: boolean;
  compressedBytes: number;
}

/**
 * The decoded bytes of one input: gzip (recognised by its magic bytes 1f 8b, whatever the name) is
 * decompressed on the fly, anything else passes through. Closing early closes the source.
 */
async function* decodedChunks(
  source: AsyncIterable<Buffer | string>,
  chunkBytes: number,
  state: GzipState,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    let head: Buffer = Buffer.alloc(0);
    while (head.length < 2) {
      const next = await it.next();
      if (next.done) {
        finished = true;
        break;
      }
      const chunk = toBuffer(next.value);
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    }
    if (!isGzip(head)) {
      if (head.length > 0) yield head;
      while (!finished) {
        const next = await it.next();
        if (next.done) finished = true;
        else yield toBuffer(next.value);
      }
      return;
    }
    state.gzip = true;
    const gunzip = createGunzip({ chunkSize: chunkBytes });
    const compressed = Readable.from(feed(head, it, state), { objectMode: false });
    finished = true; // the feed owns the source from here on
    pipeline(compressed, gunzip, () => {
      // Errors reach the reader through the gunzip stream it iterates.
    });
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    if (!finished) await it.return?.();
  }
}

async function* feed(
  head: Buffer,
  it: AsyncIterator<Buffer | string>,
  state: GzipState,
): AsyncGenerator<Buffer> {
  let done = false;
  try {
    state.compressedBytes += head.length;
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) {
        done = true;
        return;
      }
      const chunk = toBuffer(next.value);
      state.compressedBytes += chunk.length;
      yield chunk;
    }
  } finally {
    if (!done) await it.return?.();
  }
}

function streamError(err: unknown, path: string, state: GzipState): Failure {
  const code = errnoOf(err);
  if (state.gzip && code?.startsWith("Z_")) {
    const reason = messageOf(err);
    if (code === "Z_BUF_ERROR") {
      return {
        code: "gzip-truncated",
        error: `gzip stream ends early after ${state.compressedBytes} bytes (${reason}); the file is truncated — re-download it`,
      };
    }
    return {
      code: "gzip-corrupt",
      error: `gzip data is corrupt after ${state.compressedBytes} bytes (${reason}); the file is damaged — re-download it`,
    };
  }
  return fsFailure(path, err);
}

function itemOf(item: SplitItem, file: string): RecordItem {
  const origin = { file, line: item.line, index: item.index };
  return item.kind === "value"
    ? { kind: "value", value: item.value, origin }
    : { kind: "error", code: item.code, error: item.error, origin };
}

/**
 * Reads CloudTrail records from files, directories (recursively, in name order, skipping hidden entries,
 * symbolic links and devices) and standard input (`-`), gzip or not, as a stream of items.
 * Guarantees:
 * - never throws and never stops early: a missing path, an unreadable or broken file, garbage or a
 *   broken record is one error item with its origin, and the next record or file is read;
 * - memory stays flat whatever the file size: one chunk and at most one record are held at a time;
 * - a truncated gzip file gives the records it still holds, then one `gzip-truncated` error;
 * - items come in input order; `origin.index` counts elements per file.
 *
 * @example
 * for await (const item of readRecords(["trail/"], {})) {
 *   if (item.kind === "value") normalizeRecord(item.value, item.origin);
 * }
 */
export async function* readRecords(
  paths: readonly string[],
  options: ReadRecordsOptions = {},
): AsyncGenerator<RecordItem> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const display = options.displayPath ?? ((path: string) => (path === STDIN ? "<stdin>" : path));
  for await (const input of inputsOf(paths)) {
    const file = display(input.path);
    if ("error" in input) {
      yield { kind: "error", code: input.code, error: input.error, origin: { file, line: 0, index: 0 } };
      continue;
    }
    const splitter = new RecordSplitter(options);
    const state: GzipState = { gzip: false, compressedBytes: 0 };
    const source =
      input.path === STDIN
        ? (options.stdin ?? process.stdin)
        : createReadStream(input.path, { highWaterMark: chunkBytes });
    let failure: Failure | undefined;
    try {
      for await (const chunk of decodedChunks(source, chunkBytes, state)) {
        for (const item of splitter.push(chunk)) yield itemOf(item, file);
      }
    } catch (err) {
      failure = streamError(err, input.path, state);
    }
    const stop = splitter.position();
    for (const item of splitter.end()) {
      // A read that failed explains the missing end itself; only garbage seen before it is still news.
      if (failure !== undefined && item.kind === "error" && item.code === "truncated") continue;
      yield itemOf(item, file);
    }
    if (failure !== undefined) {
      yield { kind: "error", ...failure, origin: { file, line: stop.line, index: stop.index } };
    }
  }
}
