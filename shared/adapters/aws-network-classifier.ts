import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { VigilError } from "../domain/errors.ts";
import type { NetworkClass, NetworkClassifier } from "../ports/network-classifier.ts";

/**
 * Tells AWS addresses from private and public ones, offline. Amazon's ranges (AS16509, AS14618) come
 * from the `@ip-location-db/asn` npm package: IP-to-ASN data by RouteViews, the five RIRs (via NRO)
 * and DB-IP, CC BY 4.0; vigil's documentation must credit routeviews.org, nro.net and db-ip.com.
 */

/** The npm package the ranges come from. */
export const ASN_PACKAGE = "@ip-location-db/asn";
/** Amazon's autonomous systems: AS16509 (Amazon.com, AWS) and AS14618 (Amazon AES, us-east-1). */
export const AMAZON_ASNS = [16509, 14618] as const;

const IPV4_FILE = "asn-ipv4-num.csv";
/** Addresses remembered with their class before the memo is cleared. */
const CACHE_SIZE = 65_536;
const IPV6_FILE = "asn-ipv6-num.csv";

/** Raised when the IP-to-ASN data cannot be found or read. */
export class AsnDataError extends VigilError {
  override name = "AsnDataError";
}

/** How long the Amazon ranges took to load and how many there are, for logs and benchmarks. */
export interface AsnLoadStats {
  readonly ipv4Ranges: number;
  readonly ipv6Ranges: number;
  readonly loadMs: number;
}

/** Sorted, disjoint inclusive ranges. IPv6 addresses are four 32-bit words, most significant first. */
interface AmazonRanges {
  readonly v4Start: Uint32Array;
  readonly v4End: Uint32Array;
  readonly v6Start: Uint32Array;
  readonly v6End: Uint32Array;
}

/**
 * A NetworkClassifier backed by the Amazon ranges of `@ip-location-db/asn`. Construction only checks
 * that the data files are there; the ranges (a few thousand, out of ~500k rows) are read on the first
 * lookup of a public address, then every lookup is a binary search.
 *
 * @example
 * const network = new AwsNetworkClassifier();
 * network.classify("52.94.76.1"); // "aws"
 * network.classify("10.0.0.1");   // "private"
 */
export class AwsNetworkClassifier implements NetworkClassifier {
  readonly #files: { readonly v4: string; readonly v6: string };
  #ranges: AmazonRanges | undefined;
  readonly #cache = new Map<string, NetworkClass | null>();
  #stats: AsnLoadStats | undefined;

  /** `packageDir` overrides where the package is installed (tests); by default Node resolves it. */
  constructor(options: { packageDir?: string } = {}) {
    let dir = options.packageDir;
    if (dir === undefined) {
      try {
        dir = dirname(createRequire(import.meta.url).resolve(`${ASN_PACKAGE}/package.json`));
      } catch (error) {
        throw dataError(`the package is not installed (${String(error)})`, error);
      }
    }
    this.#files = { v4: rangeFile(dir, IPV4_FILE), v6: rangeFile(dir, IPV6_FILE) };
  }

  /** Load statistics, once the ranges have been loaded. */
  get stats(): AsnLoadStats | undefined {
    return this.#stats;
  }

  classify(ip: string): NetworkClass | undefined {
    // CloudTrail repeats the same few addresses millions of times.
    const cached = this.#cache.get(ip);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.#classify(ip);
    if (this.#cache.size >= CACHE_SIZE) this.#cache.clear();
    this.#cache.set(ip, found ?? null);
    return found;
  }

  #classify(ip: string): NetworkClass | undefined {
    const v4 = parseIPv4(ip);
    if (v4 !== undefined) return this.#classifyV4(v4);
    const v6 = parseIPv6(ip);
    if (v6 === undefined) return undefined;
    const [a, b, c, d] = v6;
    // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address is what matters.
    if (a === 0 && b === 0 && c === 0xffff) return this.#classifyV4(d);
    if (isReservedV6(a, b, c, d)) return "private";
    const ranges = this.#load();
    return inRanges6(ranges.v6Start, ranges.v6End, a, b, c, d) ? "aws" : "public";
  }

  #classifyV4(ip: number): NetworkClass {
    if (isReservedV4(ip)) return "private";
    const ranges = this.#load();
    return inRanges4(ranges.v4Start, ranges.v4End, ip) ? "aws" : "public";
  }

  #load(): AmazonRanges {
    if (this.#ranges !== undefined) return this.#ranges;
    const started = performance.now();
    let v4: number[][];
    let v6: number[][];
    try {
      v4 = amazonRows(readRangeFile(this.#files.v4), 1);
      v6 = amazonRows(readRangeFile(this.#files.v6), 4);
    } catch (error) {
      throw dataError(`reading ${this.#files.v4} or ${this.#files.v6} failed (${String(error)})`, error);
    }
    if (v4.length === 0 || v6.length === 0) {
      throw dataError(`no AS${AMAZON_ASNS.join("/AS")} rows in ${this.#files.v4} and ${this.#files.v6}`);
    }
    const merged4 = mergeRanges(v4, 1);
    const merged6 = mergeRanges(v6, 4);
    this.#ranges = {
      v4Start: Uint32Array.from(merged4.flatMap(([start]) => start ?? [])),
      v4End: Uint32Array.from(merged4.flatMap(([, end]) => end ?? [])),
      v6Start: Uint32Array.from(merged6.flatMap(([start]) => start ?? [])),
      v6End: Uint32Array.from(merged6.flatMap(([, end]) => end ?? [])),
    };
    this.#stats = {
      ipv4Ranges: merged4.length,
      ipv6Ranges: merged6.length,
      loadMs: performance.now() - started,
    };
    return this.#ranges;
  }
}

function dataError(problem: string, cause?: unknown): AsnDataError {
  return new AsnDataError(
    `cannot load Amazon address ranges from the npm package ${ASN_PACKAGE}: ${problem}; ` +
      `run \`npm ci\` (or \`npm install ${ASN_PACKAGE}\`) in the vigil directory`,
    { cause, context: { package: ASN_PACKAGE } },
  );
}

// ---------------------------------------------------------------------------------------------------
// Loading: find the Amazon rows by byte search instead of parsing every row.

const NEWLINE = 0x0a;

/** The CSV file in `dir`, or its gzipped copy (`….csv.gz`, as the function bundles carry it). */
function rangeFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  throw dataError(`${plain} is missing (and no ${name}.gz beside it)`);
}

function readRangeFile(file: string): Buffer {
  const bytes = readFileSync(file);
  return file.endsWith(".gz") ? gunzipSync(bytes) : bytes;
}

/**
 * The [start words, end words] of every row of a `*-num.csv` file whose ASN is Amazon's. Rows are
 * `start,end,asn,organization`, numbers in decimal; `words` is 1 for IPv4 and 4 for IPv6.
 */
function amazonRows(csv: Buffer, words: 1 | 4): number[][] {
  const rows: Array<{ at: number; row: number[] }> = [];
  for (const asn of AMAZON_ASNS) {
    const needle = Buffer.from(`,${asn},`);
    for (let at = csv.indexOf(needle); at !== -1; at = csv.indexOf(needle, at + needle.length)) {
      const lineStart = csv.lastIndexOf(NEWLINE, at) + 1;
      const [start, end, rowAsn] = csv.toString("latin1", lineStart, at + needle.length - 1).split(",");
      // The needle could also sit in the organization column; only the third column counts.
      if (rowAsn !== String(asn) || start === undefined || end === undefined) continue;
      rows.push({ at: lineStart, row: [...toWords(start, words), ...toWords(end, words)] });
    }
  }
  return rows.sort((x, y) => x.at - y.at).map(({ row }) => row);
}

function toWords(decimal: string, words: 1 | 4): number[] {
  if (words === 1) return [Number(decimal)];
  const value = BigInt(decimal);
  return [96n, 64n, 32n, 0n].map((shift) => Number((value >> shift) & 0xffffffffn));
}

/** Joins rows that touch or overlap (the file is sorted by start), as [start words, end words]. */
function mergeRanges(rows: number[][], words: 1 | 4): number[][][] {
  const merged: number[][][] = [];
  for (const row of rows) {
    const start = row.slice(0, words);
    const end = row.slice(words);
    const last = merged.at(-1);
    if (last?.[1] !== undefined && compareWords(successor(last[1]), start) >= 0) {
      if (compareWords(end, last[1]) > 0) last[1] = end;
    } else {
      merged.push([start, end]);
    }
  }
  return merged;
}

function compareWords(x: readonly number[], y: readonly number[]): number {
  for (let i = 0; i < x.length; i++) {
    const a = x[i] ?? 0;
    const b = y[i] ?? 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

function successor(words: readonly number[]): number[] {
  const next = [...words];
  for (let i = next.length - 1; i >= 0; i--) {
    const word = next[i] ?? 0;
    if (word < 0xffffffff) {
      next[i] = word + 1;
      return next;
    }
    next[i] = 0;
  }
  return words.map(() => 0xffffffff); // the very last address has no successor
}

// ---------------------------------------------------------------------------------------------------
// Lookups

function inRanges4(starts: Uint32Array, ends: Uint32Array, ip: number): boolean {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] ?? 0) > ip) hi = mid - 1;
    else if ((ends[mid] ?? 0) < ip) lo = mid + 1;
    else return true;
  }
  return false;
}

function compare6(words: Uint32Array, index: number, a: number, b: number, c: number, d: number): number {
  const base = index * 4;
  const w0 = words[base] ?? 0;
  if (w0 !== a) return w0 < a ? -1 : 1;
  const w1 = words[base + 1] ?? 0;
  if (w1 !== b) return w1 < b ? -1 : 1;
  const w2 = words[base + 2] ?? 0;
  if (w2 !== c) return w2 < c ? -1 : 1;
  const w3 = words[base + 3] ?? 0;
  return w3 === d ? 0 : w3 < d ? -1 : 1;
}

function inRanges6(
  starts: Uint32Array,
  ends: Uint32Array,
  a: number,
  b: number,
  c: number,
  d: number,
): boolean {
  let lo = 0;
  let hi = starts.length / 4 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compare6(starts, mid, a, b, c, d) > 0) hi = mid - 1;
    else if (compare6(ends, mid, a, b, c, d) < 0) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * [first address, prefix length] of IPv4 ranges that are private or reserved. The documentation ranges
 * (RFC 5737 TEST-NETs, 2001:db8::/32) are deliberately not here: they are never AWS, and in examples,
 * sample trails and tests they stand for addresses on the public internet, so they classify "public".
 */
const RESERVED_V4: ReadonlyArray<readonly [string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // carrier-grade NAT (RFC 6598)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking (RFC 2544)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
];
const RESERVED_V4_MASKS = RESERVED_V4.map(([address, bits]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [((parseIPv4(address) ?? 0) & mask) >>> 0, mask] as const;
});

function isReservedV4(ip: number): boolean {
  for (const [network, mask] of RESERVED_V4_MASKS) if ((ip & mask) >>> 0 === network) return true;
  return false;
}

function isReservedV6(a: number, b: number, c: number, d: number): boolean {
  if (a === 0 && b === 0 && c === 0 && (d === 0 || d === 1)) return true; // :: and ::1
  const top16 = a >>> 16;
  if ((top16 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((top16 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  return (top16 & 0xff00) === 0xff00; // ff00::/8 multicast
}

// ---------------------------------------------------------------------------------------------------
// Parsing, strict and allocation-light: CloudTrail's sourceIPAddress is often not an address at all.

/** A dotted-quad IPv4 address as an unsigned 32-bit number; undefined unless exactly a.b.c.d. */
function parseIPv4(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && part === 0) return undefined; // no leading zeros ("01" is octal to some parsers)
      part = part * 10 + (code - 48);
      if (part > 255) return undefined;
      digits++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

const groups6 = new Uint16Array(8);

/** An IPv6 address as four 32-bit words, most significant first; undefined unless a valid address. */
function parseIPv6(text: string): [number, number, number, number] | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let count = 0; // groups read so far, into groups6
  let gap = -1; // index in groups6 where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < text.length) {
    let end = i;
    let value = 0;
    while (end < text.length && end - i < 5) {
      const code = text.charCodeAt(end);
      const digit =
        code >= 48 && code <= 57
          ? code - 48
          : code >= 97 && code <= 102
            ? code - 87
            : code >= 65 && code <= 70
              ? code - 55
              : -1;
      if (digit < 0) break;
      value = value * 16 + digit;
      end++;
    }
    if (end < text.length && text.charCodeAt(end) === 46) {
      // An embedded IPv4 tail (::ffff:192.0.2.1) takes the last two groups.
      const v4 = count > 6 ? undefined : parseIPv4(text.slice(i));
      if (v4 === undefined) return undefined;
      groups6[count++] = v4 >>> 16;
      groups6[count++] = v4 & 0xffff;
      break;
    }
    if (end === i || end - i > 4 || count === 8) return undefined;
    groups6[count++] = value;
    i = end;
    if (i === text.length) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap !== -1) return undefined;
      gap = count;
      i++;
    } else if (i === text.length) {
      return undefined; // a trailing single colon
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return undefined;
  if (gap !== -1) {
    // Move the groups after "::" to the end and zero the gap.
    const zeros = 8 - count;
    groups6.copyWithin(gap + zeros, gap, count);
    groups6.fill(0, gap, gap + zeros);
  }
  return [
    ((groups6[0] ?? 0) * 0x10000 + (groups6[1] ?? 0)) >>> 0,
    ((groups6[2] ?? 0) * 0x10000 + (groups6[3] ?? 0)) >>> 0,
    ((groups6[4] ?? 0) * 0x10000 + (groups6[5] ?? 0)) >>> 0,
    ((groups6[6] ?? 0) * 0x10000 + (groups6[7] ?? 0)) >>> 0,
  ];
}
