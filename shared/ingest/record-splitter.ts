/**
 * A streaming byte scanner that cuts CloudTrail input into JSON values, one record each, without ever
 * holding more than one record (and never more than its size limit) in memory. It knows nothing of
 * files: feed it chunks with {@link RecordSplitter.push}, close with {@link RecordSplitter.end}.
 *
 * The layout is detected from the bytes, per top-level value:
 * - `{"Records":[ … ]}` (S3 trail file, pretty or on one line): each element of `Records` is a value and
 *   the wrapper's other keys are ignored; the elements stream, so a 2 GB one-line file is fine;
 * - `[ … ]`: each element is a value;
 * - any other top-level object (JSON Lines, concatenated objects, one pretty-printed record or
 *   EventBridge event): the object is a value.
 *
 * Only the bytes `"`, `\`, `{`, `}`, `[`, `]` (and `,`, `:` beside a top-level key) steer the scan; UTF-8
 * multibyte sequences never contain them, so chunks may split a character anywhere.
 */

/** Why a stretch of input gave no value. */
export type SplitErrorCode = "not-json" | "too-large" | "too-deep" | "invalid-json" | "truncated";

/**
 * One result of the scan: a parsed value, or an error that says what was wrong there. `line` is the
 * 1-based line where the value (or the bad stretch) starts; `index` is the 0-based position of the value
 * among the values and broken elements of this input. An error that is not an element (garbage between
 * records, a container cut short) carries the index the next element gets.
 */
export type SplitItem =
  | { readonly kind: "value"; readonly value: unknown; readonly line: number; readonly index: number }
  | {
      readonly kind: "error";
      readonly code: SplitErrorCode;
      readonly error: string;
      readonly line: number;
      readonly index: number;
    };

/** Limits of the scan; both protect memory and the JSON parser from input that is not CloudTrail. */
export interface RecordSplitterOptions {
  /** Largest element, in bytes, that is parsed; a larger one is reported and skipped. Default 16 MiB. */
  readonly maxRecordBytes?: number;
  /** Deepest nesting of arrays and objects within one element; deeper is reported and skipped. Default 64. */
  readonly maxDepth?: number;
}

/** Default of {@link RecordSplitterOptions.maxRecordBytes}. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Default of {@link RecordSplitterOptions.maxDepth}. */
export const DEFAULT_MAX_DEPTH = 64;

// Scanner modes.
const TOP = 0; // between top-level values
const GARBAGE = 1; // inside a line of garbage, looking for its newline
const GARBAGE_NEXT = 2; // after a garbage line: does the next line start a record?
const BETWEEN = 3; // inside an array (top-level or Records), between elements
const VALUE = 4; // inside an object, array or string element
const SCALAR = 5; // inside a bare scalar element (number, literal) of an array
const REST = 6; // inside a Records wrapper after its array: skipped up to its closing brace
const ENDED = 7;

// Containers that hold elements.
const NONE = 0;
const ARRAY = 1;
const RECORDS = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;

const RECORDS_KEY = Buffer.from('"Records"', "latin1");
const BOM = [0xef, 0xbb, 0xbf];
const SAMPLE_BYTES = 16;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
}

/** Ends a bare scalar: a structural byte or white space. */
function isDelimiter(c: number | undefined): boolean {
  return c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isSpace(c);
}

/** Formats a byte size the way people read limits: `16 MiB`, `512 KiB`, `100 bytes`. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Shows raw bytes in an error message: printable ASCII as is, `\n` `\r` `\t` `\"` `\\` escaped, every other
 * byte as `\xNN`, and `…` when `more` says the bytes go on.
 */
export function escapeSample(bytes: Uint8Array, more: boolean): string {
  let text = "";
  for (const b of bytes) {
    if (b === NEWLINE) text += "\\n";
    else if (b === 0x0d) text += "\\r";
    else if (b === 0x09) text += "\\t";
    else if (b === QUOTE) text += '\\"';
    else if (b === BACKSLASH) text += "\\\\";
    else if (b >= 0x20 && b < 0x7f) text += String.fromCharCode(b);
    else text += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return more ? `${text}…` : text;
}

/**
 * Splits a byte stream of CloudTrail JSON into parsed values, one per record, and specific errors for
 * what is not a record. Guarantees:
 * - the same input gives the same items however it is cut into chunks (chunk boundaries may fall inside
 *   strings, escapes or multibyte characters), except the byte count in a `too-large` message, which is
 *   the count seen when the limit was found crossed;
 * - memory stays flat: besides the current chunk it holds at most one element, and stops holding it as
 *   soon as it is larger than `maxRecordBytes` (the rest of it is scanned, not kept);
 * - `JSON.parse` only ever sees one complete element within both limits;
 * - an error never ends the scan: garbage is skipped up to the next line that starts a value, an
 *   oversized or too deep element up to its end.
 *
 * @example
 * const splitter = new RecordSplitter();
 * for await (const chunk of stream) for (const item of splitter.push(chunk)) handle(item);
 * for (const item of splitter.end()) handle(item);
 */
export class RecordSplitter {
  readonly #maxBytes: number;
  readonly #maxDepth: number;

  #mode = TOP;
  #out: SplitItem[] = [];
  /** Bytes consumed before the current chunk. */
  #offset = 0;
  /** 1 + newlines counted so far; `#nl` is the first uncounted newline in the current chunk. */
  #line = 1;
  #nl = 0;
  #nextIndex = 0;

  #container = NONE;
  #containerLine = 0;

  // The element being scanned.
  #elLine = 0;
  #elIndex = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Bytes of the element held from earlier chunks (empty while skipping). */
  #parts: Buffer[] = [];
  /** Bytes of the element seen in earlier chunks. */
  #partsBytes = 0;
  /** Where the element starts in the current chunk (0 when it started in an earlier one). */
  #chunkStart = 0;
  /** Reported already (or discarded): scan to the end without keeping or parsing it. */
  #skipping = false;
  /** A top-level object that may turn out to be a `{"Records":[…]}` wrapper. */
  #top = false;
  #expectKey = false;
  /** Element offset of the key string being read at depth 1, or -1. */
  #keyStart = -1;
  /** 0: nothing; 1: just read the key "Records"; 2: read `"Records":`. */
  #recordsState = 0;

  // The run of garbage being skipped.
  #gLine = 0;
  #gIndex = 0;
  readonly #gSample = Buffer.alloc(SAMPLE_BYTES);
  #gSampleLen = 0;
  #gRunLen = 0;
  #gContentLen = 0;

  constructor(options: RecordSplitterOptions = {}) {
    this.#maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!(this.#maxBytes >= 1))
      throw new RangeError(`maxRecordBytes must be at least 1, got ${this.#maxBytes}`);
    if (!(this.#maxDepth >= 1)) throw new RangeError(`maxDepth must be at least 1, got ${this.#maxDepth}`);
  }

  /** Bytes of an unfinished element held from earlier chunks; never more than `maxRecordBytes`. */
  get bufferedBytes(): number {
    let total = 0;
    for (const part of this.#parts) total += part.length;
    return total;
  }

  /**
   * Where the scan stands, for an error that stops the input early (a broken gzip stream): the start of
   * the unfinished element if there is one, else the current line and the index the next element gets.
   */
  position(): { line: number; index: number } {
    if ((this.#mode === VALUE || this.#mode === SCALAR) && !this.#skipping) {
      return { line: this.#elLine, index: this.#elIndex };
    }
    return { line: this.#line, index: this.#nextIndex };
  }

  /**
   * Scans one chunk and returns the items completed in it, in input order. The chunk is not kept:
   * the part of an unfinished element is copied. Throws only if called after {@link end}.
   */
  push(chunk: Buffer): SplitItem[] {
    if (this.#mode === ENDED) throw new Error("RecordSplitter.push called after end()");
    const out: SplitItem[] = [];
    this.#out = out;
    const n = chunk.length;
    if (n === 0) return out;
    const firstNl = chunk.indexOf(NEWLINE);
    this.#nl = firstNl < 0 ? n : firstNl;
    this.#chunkStart = 0;
    let i = 0;
    while (i < n) {
      switch (this.#mode) {
        case TOP:
          i = this.#scanTop(chunk, i, n);
          break;
        case GARBAGE:
          i = this.#scanGarbageLine(chunk, i, n);
          break;
        case GARBAGE_NEXT:
          i = this.#scanGarbageNext(chunk, i, n);
          break;
        case BETWEEN:
          i = this.#scanBetween(chunk, i, n);
          break;
        case SCALAR:
          i = this.#scanScalar(chunk, i, n);
          break;
        default:
          i = this.#scanValue(chunk, i, n);
      }
    }
    const mode = this.#mode;
    if (mode === VALUE || mode === SCALAR || mode === REST) this.#holdTail(chunk, n);
    this.#lineAt(chunk, n);
    this.#offset += n;
    return out;
  }

  /**
   * Closes the input and returns what its end means: the value or garbage still open, or a
   * `truncated` error when the input stops inside an element or a container. Further calls return [].
   */
  end(): SplitItem[] {
    const out: SplitItem[] = [];
    this.#out = out;
    const mode = this.#mode;
    if (mode === GARBAGE || mode === GARBAGE_NEXT) this.#flushGarbage();
    else if (mode === REST || (mode === BETWEEN && this.#container === RECORDS)) {
      this.#error(
        "truncated",
        'truncated "Records" array at end of input; the file ends before its closing "]}" — was it cut short?',
        this.#containerLine,
        this.#nextIndex,
      );
    } else if (mode === BETWEEN) {
      this.#error(
        "truncated",
        'truncated array at end of input; the file ends before its closing "]" — was it cut short?',
        this.#containerLine,
        this.#nextIndex,
      );
    } else if ((mode === VALUE || mode === SCALAR) && !this.#skipping) {
      this.#error(
        "truncated",
        `truncated record at end of input (${this.#partsBytes} bytes); the input ends inside this record — was it cut short?`,
        this.#elLine,
        this.#elIndex,
      );
    }
    this.#mode = ENDED;
    this.#parts = [];
    return out;
  }

  /** Counts the newlines before `p` in this chunk and returns the line `p` is on. */
  #lineAt(chunk: Buffer, p: number): number {
    let nl = this.#nl;
    if (nl < p) {
      const n = chunk.length;
      let line = this.#line;
      while (nl < p) {
        line++;
        nl = chunk.indexOf(NEWLINE, nl + 1);
        if (nl < 0) nl = n;
      }
      this.#line = line;
      this.#nl = nl;
    }
    return this.#line;
  }

  #error(code: SplitErrorCode, error: string, line: number, index: number): void {
    this.#out.push({ kind: "error", code, error, line, index });
  }

  #scanTop(chunk: Buffer, i: number, n: number): number {
    while (i < n) {
      const c = chunk[i];
      if (isSpace(c)) {
        i++;
      } else if (c === OPEN_BRACE) {
        const next = this.#fastLine(chunk, i);
        if (next >= 0) return next;
        this.#startElement(chunk, i, VALUE);
        this.#top = true;
        return i;
      } else if (c === OPEN_BRACKET) {
        this.#container = ARRAY;
        this.#containerLine = this.#lineAt(chunk, i);
        this.#mode = BETWEEN;
        return i + 1;
      } else if (this.#offset + i < BOM.length && c === BOM[this.#offset + i]) {
        i++;
      } else {
        this.#gLine = this.#lineAt(chunk, i);
        this.#gIndex = this.#nextIndex;
        this.#gSampleLen = 0;
        this.#gRunLen = 0;
        this.#gContentLen = 0;
        this.#mode = GARBAGE;
        return i;
      }
    }
    return i;
  }

  /**
   * The JSON Lines fast path: when the object starting at `i` ends its line within this chunk, one
   * native JSON.parse of the line replaces the byte scan. It applies only to a plain record (not a
   * `{"Records":[…]}` wrapper, whose elements the scan emits one by one) no deeper than the limit;
   * anything else, a pretty-printed object or a broken line, returns -1 and takes the scan, which
   * produces the same items and the specific errors.
   */
  #fastLine(chunk: Buffer, i: number): number {
    this.#lineAt(chunk, i);
    let end = this.#nl;
    if (end >= chunk.length || end - i > FAST_LINE_BYTES) return -1;
    const next = end + 1;
    while (end > i && isSpace(chunk[end - 1])) end--;
    if (chunk[end - 1] !== CLOSE_BRACE) return -1;
    let value: unknown;
    try {
      value = JSON.parse(chunk.toString("utf8", i, end));
    } catch {
      return -1;
    }
    if (typeof value !== "object" || value === null) return -1;
    if (Array.isArray((value as Record<string, unknown>).Records) || !withinDepth(value, this.#maxDepth - 1))
      return -1;
    this.#out.push({ kind: "value", value, line: this.#line, index: this.#nextIndex++ });
    return next;
  }

  /** Adds bytes [a, b) of this chunk to the garbage run. */
  #garbageBytes(chunk: Buffer, a: number, b: number): void {
    if (b <= a) return;
    if (this.#gSampleLen < SAMPLE_BYTES) {
      const take = Math.min(SAMPLE_BYTES - this.#gSampleLen, b - a);
      chunk.copy(this.#gSample, this.#gSampleLen, a, a + take);
      this.#gSampleLen += take;
    }
    for (let p = b - 1; p >= a; p--) {
      if (!isSpace(chunk[p])) {
        this.#gContentLen = this.#gRunLen + (p - a) + 1;
        break;
      }
    }
    this.#gRunLen += b - a;
  }

  #scanGarbageLine(chunk: Buffer, i: number, n: number): number {
    this.#lineAt(chunk, i);
    const end = this.#nl;
    if (end >= n) {
      this.#garbageBytes(chunk, i, n);
      return n;
    }
    this.#garbageBytes(chunk, i, end + 1);
    this.#mode = GARBAGE_NEXT;
    return end + 1;
  }

  #scanGarbageNext(chunk: Buffer, i: number, n: number): number {
    const start = i;
    while (i < n && isSpace(chunk[i])) i++;
    if (i === n) {
      this.#garbageBytes(chunk, start, n);
      return n;
    }
    const c = chunk[i];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.#flushGarbage();
      this.#mode = TOP;
      return i;
    }
    this.#garbageBytes(chunk, start, i);
    this.#mode = GARBAGE;
    return i;
  }

  #flushGarbage(): void {
    const shown = Math.min(this.#gSampleLen, this.#gContentLen);
    const sample = escapeSample(this.#gSample.subarray(0, shown), this.#gContentLen > shown);
    this.#error(
      "not-json",
      `not JSON: starts with "${sample}"; expected a CloudTrail record object`,
      this.#gLine,
      this.#gIndex,
    );
  }

  #scanBetween(chunk: Buffer, i: number, n: number): number {
    while (i < n) {
      const c = chunk[i];
      if (isSpace(c) || c === COMMA) {
        i++;
      } else if (c === CLOSE_BRACKET) {
        if (this.#container === RECORDS) {
          // The rest of the wrapper object (its other keys) is scanned and thrown away.
          this.#mode = REST;
          this.#depth = 1;
          this.#inString = false;
          this.#escaped = false;
          this.#skipping = true;
          this.#top = false;
          this.#parts = [];
          this.#partsBytes = 0;
        } else {
          this.#mode = TOP;
        }
        this.#container = NONE;
        return i + 1;
      } else {
        this.#startElement(chunk, i, c === OPEN_BRACE || c === OPEN_BRACKET || c === QUOTE ? VALUE : SCALAR);
        return i;
      }
    }
    return i;
  }

  #startElement(chunk: Buffer, i: number, mode: number): void {
    this.#mode = mode;
    this.#elLine = this.#lineAt(chunk, i);
    this.#elIndex = this.#nextIndex++;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#skipping = false;
    this.#top = false;
    this.#expectKey = false;
    this.#keyStart = -1;
    this.#recordsState = 0;
    this.#parts = [];
    this.#partsBytes = 0;
    this.#chunkStart = i;
  }

  /** Keeps the unfinished element's bytes of this chunk, or stops keeping them past the size limit. */
  #holdTail(chunk: Buffer, n: number): void {
    const start = this.#chunkStart;
    const total = this.#partsBytes + (n - start);
    if (!this.#skipping) {
      if (total > this.#maxBytes) {
        this.#tooLarge(total);
      } else {
        const copy = Buffer.allocUnsafe(n - start);
        chunk.copy(copy, 0, start, n);
        this.#parts.push(copy);
      }
    }
    this.#partsBytes = total;
  }

  #tooLarge(bytes: number): void {
    this.#error(
      "too-large",
      `record is larger than ${formatLimit(this.#maxBytes)} (${bytes} bytes so far); CloudTrail records are at most 256 KB — is this a CloudTrail file?`,
      this.#elLine,
      this.#elIndex,
    );
    this.#skip();
  }

  #skip(): void {
    this.#skipping = true;
    this.#top = false;
    this.#parts = [];
  }

  #scanScalar(chunk: Buffer, i: number, n: number): number {
    // The first byte always belongs to the scalar, so that a stray `}` is reported rather than looped on.
    let p = i === this.#chunkStart && this.#partsBytes === 0 ? i + 1 : i;
    while (p < n && !isDelimiter(chunk[p])) p++;
    if (p === n) return n;
    this.#finishElement(chunk, p);
    return p;
  }

  /**
   * Scans nested JSON from `from`: strings are skipped with `indexOf` on the next quote, brackets and
   * braces counted. Returns where the scan stopped: just past the element, at the `[` of a Records
   * array, or `n`.
   */
  #scanValue(chunk: Buffer, from: number, n: number): number {
    let i = from;
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    const maxDepth = this.#maxDepth;
    let top = this.#top;
    let done = -1;
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          if (i >= n) break;
        }
        let q = chunk.indexOf(QUOTE, i);
        while (q >= 0) {
          let b = q - 1;
          while (b >= i && chunk[b] === BACKSLASH) b--;
          if (((q - 1 - b) & 1) === 0) break;
          i = q + 1;
          q = chunk.indexOf(QUOTE, i);
        }
        if (q < 0) {
          let b = n - 1;
          while (b >= i && chunk[b] === BACKSLASH) b--;
          escaped = ((n - 1 - b) & 1) === 1;
          i = n;
          break;
        }
        inString = false;
        i = q + 1;
        if (depth === 0) {
          done = i;
          break;
        }
        if (top && depth === 1 && this.#keyStart >= 0) this.#endKey(chunk, q);
        continue;
      }
      const c = chunk[i];
      if (c === QUOTE) {
        inString = true;
        if (top && depth === 1) {
          this.#recordsState = 0;
          if (this.#expectKey) {
            this.#expectKey = false;
            this.#keyStart = this.#partsBytes + (i - this.#chunkStart);
          }
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (top && depth === 1) {
          if (this.#recordsState === 2 && c === OPEN_BRACKET) {
            this.#enterRecords();
            return i + 1;
          }
          this.#recordsState = 0;
        }
        depth++;
        if (depth > maxDepth && !this.#skipping) {
          this.#error(
            "too-deep",
            `record nests deeper than ${maxDepth} levels; CloudTrail records nest only a few levels — is this a CloudTrail file?`,
            this.#elLine,
            this.#elIndex,
          );
          this.#skip();
          top = false;
        } else if (depth === 1 && top) {
          this.#expectKey = true;
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          done = i + 1;
          break;
        }
      } else if (top && depth === 1) {
        if (c === COMMA) {
          this.#expectKey = true;
          this.#recordsState = 0;
        } else if (c === COLON) {
          this.#recordsState = this.#recordsState === 1 ? 2 : 0;
        } else if (!isSpace(c)) {
          this.#recordsState = 0;
        }
      }
      i++;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    if (done < 0) return n;
    this.#finishElement(chunk, done);
    return done;
  }

  /** A key string at depth 1 of a top-level object closed at `q`: is it "Records"? */
  #endKey(chunk: Buffer, q: number): void {
    const start = this.#keyStart;
    this.#keyStart = -1;
    const end = this.#partsBytes + (q - this.#chunkStart) + 1;
    if (end - start !== RECORDS_KEY.length) return;
    let key: Buffer;
    if (start >= this.#partsBytes) {
      const s = this.#chunkStart + (start - this.#partsBytes);
      key = chunk.subarray(s, s + RECORDS_KEY.length);
    } else {
      key = Buffer.concat([...this.#parts, chunk.subarray(this.#chunkStart, q + 1)]).subarray(start);
    }
    if (key.equals(RECORDS_KEY)) this.#recordsState = 1;
  }

  /** The top-level object is a `{"Records":[…]}` wrapper: its elements are the values. */
  #enterRecords(): void {
    this.#nextIndex--; // the wrapper is not an element
    this.#container = RECORDS;
    this.#containerLine = this.#elLine;
    this.#mode = BETWEEN;
    this.#parts = [];
    this.#partsBytes = 0;
    this.#top = false;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
  }

  /** The element ends just before `end` in this chunk: parse it, unless it was reported already. */
  #finishElement(chunk: Buffer, end: number): void {
    const discard = this.#mode === REST;
    this.#mode = this.#container === NONE ? TOP : BETWEEN;
    if (discard || this.#skipping) {
      this.#parts = [];
      return;
    }
    const start = this.#chunkStart;
    const total = this.#partsBytes + (end - start);
    if (total > this.#maxBytes) {
      this.#tooLarge(total);
      return;
    }
    let text: string;
    if (this.#parts.length === 0) {
      text = chunk.toString("utf8", start, end);
    } else {
      this.#parts.push(chunk.subarray(start, end));
      text = Buffer.concat(this.#parts, total).toString("utf8");
      this.#parts = [];
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#error("invalid-json", `record is not valid JSON: ${reason}`, this.#elLine, this.#elIndex);
      return;
    }
    this.#out.push({ kind: "value", value, line: this.#elLine, index: this.#elIndex });
  }
}

/** Lines up to this long take the JSON Lines fast path; CloudTrail records are at most 256 KB. */
const FAST_LINE_BYTES = 256 * 1024;

/** True when no object or array inside `value` nests more than `levels` levels below it. */
function withinDepth(value: object, levels: number): boolean {
  if (Array.isArray(value)) {
    for (const child of value) {
      if (typeof child === "object" && child !== null && (levels === 0 || !withinDepth(child, levels - 1)))
        return false;
    }
    return true;
  }
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === "object" && child !== null && (levels === 0 || !withinDepth(child, levels - 1)))
      return false;
  }
  return true;
}
