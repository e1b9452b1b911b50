import type { CredentialUse, UseSource } from "../event.ts";
import { type Detection, subjectKey } from "./detection.ts";

const NAMESPACE = "new-source";
/** Most networks remembered per subject; the least recently seen one is forgotten first. */
export const MAX_NETWORKS = 200;
/** A known network's last-seen time is refreshed at most this often, so steady traffic writes nothing. */
const REFRESH_MS = 3_600_000;

/**
 * What new-source keeps per subject: when it started and each network's last-seen time (epoch ms).
 * IPv4 /24 networks are keyed by their 24-bit number (198.51.100.0/24 is 13001572), so that checking
 * a call builds no string: a numeric key is an array-index lookup; other networks by {@link networkOf}.
 */
interface SeenNetworks {
  since: number;
  nets: Record<string | number, number>;
}

/**
 * The network a call came from, as vigil compares networks: the VPC endpoint when the call went
 * through one, else the IPv4 /24 (`198.51.100.0/24`) or IPv6 /48 (`2001:db8:12::/48`) of the address.
 * Undefined for calls made by AWS services, `AWS Internal` or from an unreadable source: they say
 * nothing about where the credential is held.
 */
export function networkOf(source: UseSource): string | undefined {
  if (source.kind !== "ip" || source.ip === undefined) return undefined;
  if (source.vpcEndpointId !== undefined) return source.vpcEndpointId;
  const ip = source.ip;
  return ip.includes(":") ? ipv6Network(ip) : ipv4Network(ip);
}

/** The key of a use's network in {@link SeenNetworks}: a number for IPv4, else the network's name. */
function networkKey(source: UseSource): number | string | undefined {
  if (source.kind !== "ip" || source.ip === undefined) return undefined;
  if (source.vpcEndpointId !== undefined) return source.vpcEndpointId;
  return ipv4Prefix(source.ip) ?? networkOf(source);
}

/** The first three octets of a dotted IPv4 address as one number, without allocating; else undefined. */
function ipv4Prefix(ip: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return undefined;
      value = value * 256 + octet;
      if (++dots === 3) return value;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function ipv4Network(ip: string): string | undefined {
  const dot = ip.lastIndexOf(".");
  return dot === -1 ? undefined : `${ip.slice(0, dot)}.0/24`;
}

function ipv6Network(ip: string): string | undefined {
  const zone = ip.indexOf("%");
  const address = zone === -1 ? ip : ip.slice(0, zone);
  // An IPv4-mapped address (::ffff:198.51.100.7) belongs to its IPv4 network.
  if (address.includes(".")) return ipv4Network(address.slice(address.lastIndexOf(":") + 1));
  const gap = address.indexOf("::");
  const head = gap === -1 ? address.split(":") : gap === 0 ? [] : address.slice(0, gap).split(":");
  if (gap === -1 && head.length < 3) return undefined;
  const groups: number[] = [];
  for (let i = 0; i < 3; i++) {
    const text = head[i];
    const value = text === undefined ? 0 : Number.parseInt(text, 16);
    if (Number.isNaN(value)) return undefined;
    groups.push(value);
  }
  const [a = 0, b = 0, c = 0] = groups;
  const hex = (n: number) => n.toString(16);
  if (b === 0 && c === 0) return `${hex(a)}::/48`;
  if (c === 0) return `${hex(a)}:${hex(b)}::/48`;
  return `${hex(a)}:${hex(b)}:${hex(c)}::/48`;
}

/** Formats epoch ms as a calendar date for reason lines. */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * `new-source` (learned): after its learning period, a credential is used from a network never seen
 * for it before. A network the profile declares is expected and never new. Every network seen is
 * learned, at most {@link MAX_NETWORKS} per subject (the least recently seen is forgotten), so that a
 * credential sprayed from thousands of addresses keeps a small baseline.
 */
export const newSource: Detection = {
  id: "new-source",
  title: "First use from a network never seen for this credential",
  weight: 12,
  attack: ["T1078.004"],
  evaluate(use, ctx) {
    if (ctx.history.learning) return undefined;
    const net = networkKey(use.source);
    if (net === undefined) return undefined;
    const seen = ctx.baselines.get<SeenNetworks>(NAMESPACE, subjectKey(use));
    if (seen !== undefined && Object.hasOwn(seen.nets, net)) return undefined;
    if (ctx.profile?.sources?.includes(use.source)) return undefined;
    return { id: "new-source", reason: reasonFor(use, seen) };
  },
  learn(use, ctx) {
    const net = networkKey(use.source);
    if (net === undefined) return;
    const key = subjectKey(use);
    const seen = ctx.baselines.get<SeenNetworks>(NAMESPACE, key);
    if (seen === undefined) {
      ctx.baselines.set<SeenNetworks>(NAMESPACE, key, {
        since: use.eventTime,
        nets: { [net]: use.eventTime },
      });
      return;
    }
    const last = Object.hasOwn(seen.nets, net) ? seen.nets[net] : undefined;
    if (last !== undefined) {
      if (use.eventTime - last < REFRESH_MS) return;
      seen.nets[net] = use.eventTime;
    } else {
      if (Object.keys(seen.nets).length >= MAX_NETWORKS) forgetLeastRecent(seen.nets);
      seen.nets[net] = use.eventTime;
    }
    if (use.eventTime < seen.since) seen.since = use.eventTime;
    ctx.baselines.set(NAMESPACE, key, seen);
  },
};

function forgetLeastRecent(nets: Record<string, number>): void {
  let oldest: string | undefined;
  let oldestAt = Number.POSITIVE_INFINITY;
  for (const net in nets) {
    const at = nets[net] ?? 0;
    if (at < oldestAt) {
      oldest = net;
      oldestAt = at;
    }
  }
  if (oldest !== undefined) delete nets[oldest];
}

function reasonFor(use: CredentialUse, seen: SeenNetworks | undefined): string {
  const net = networkOf(use.source);
  const history =
    seen === undefined
      ? "no network seen before"
      : `${plural(Object.keys(seen.nets).length, "network")} seen since ${day(seen.since)}`;
  return `first use of ${subjectKey(use)} from ${net} (${use.source.ip}); ${history}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
