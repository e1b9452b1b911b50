import { BlockList, isIP } from "node:net";
import type { UseSource } from "../event.ts";

/** What a declared source string is, or why it is none. */
export type SourceSpec =
  | {
      readonly kind: "cidr";
      readonly address: string;
      readonly prefix: number;
      readonly family: "ipv4" | "ipv6";
    }
  | { readonly kind: "vpc-endpoint" | "vpc" | "service"; readonly value: string }
  | { readonly kind: "invalid"; readonly reason: string };

const VPC_ENDPOINT = /^vpce-[0-9a-f]{8,17}$/;
const VPC = /^vpc-[0-9a-f]{8,17}$/;
const SERVICE = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** Reads one entry of a profile's `sources`: a CIDR or address, `vpce-…`, `vpc-…` or a service principal. */
export function parseSource(text: string): SourceSpec {
  if (VPC_ENDPOINT.test(text)) return { kind: "vpc-endpoint", value: text };
  if (VPC.test(text)) return { kind: "vpc", value: text };
  if (SERVICE.test(text)) return { kind: "service", value: text };
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) {
    return {
      kind: "invalid",
      reason:
        "is not a CIDR, IP address, VPC endpoint id, VPC id or AWS service principal; write it like 203.0.113.0/24, 2001:db8::/32, vpce-0a1b2c3d, vpc-0123abcd or codebuild.amazonaws.com",
    };
  }
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) {
    return {
      kind: "invalid",
      reason: `has prefix length ${JSON.stringify(prefixText)}; IPv${version} prefixes are 0 to ${max}`,
    };
  }
  return { kind: "cidr", address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * The set of sources a profile expects, compiled for fast matching. `vpcOfEndpoint` maps a VPC
 * endpoint id to its VPC, so that a declared `vpc-…` matches calls through that VPC's endpoints
 * (CloudTrail names the endpoint, not the VPC).
 */
export class SourceSet {
  readonly #cidrs = new BlockList();
  readonly #endpoints = new Set<string>();
  readonly #vpcs = new Set<string>();
  readonly #services = new Set<string>();
  readonly #checked = new Map<string, boolean>();
  readonly empty: boolean;

  constructor(
    specs: readonly SourceSpec[],
    private readonly vpcOfEndpoint: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const spec of specs) {
      if (spec.kind === "cidr") this.#cidrs.addSubnet(spec.address, spec.prefix, spec.family);
      else if (spec.kind === "vpc-endpoint") this.#endpoints.add(spec.value);
      else if (spec.kind === "vpc") this.#vpcs.add(spec.value);
      else if (spec.kind === "service") this.#services.add(spec.value);
    }
    this.empty = specs.length === 0;
  }

  /** True when the call came from a declared network, endpoint or service. */
  includes(source: UseSource): boolean {
    const endpoint = source.vpcEndpointId;
    if (endpoint !== undefined) {
      if (this.#endpoints.has(endpoint)) return true;
      const vpc = this.vpcOfEndpoint.get(endpoint);
      if (vpc !== undefined && this.#vpcs.has(vpc)) return true;
    }
    if (source.kind === "aws-service")
      return source.service !== undefined && this.#services.has(source.service);
    if (source.kind === "ip" && source.ip !== undefined) return this.#inCidrs(source.ip);
    return false;
  }

  /** CIDR membership, remembered per address: the same few addresses recur on every record. */
  #inCidrs(ip: string): boolean {
    const cached = this.#checked.get(ip);
    if (cached !== undefined) return cached;
    const family = isIP(ip);
    const inside = family !== 0 && this.#cidrs.check(ip, family === 4 ? "ipv4" : "ipv6");
    if (this.#checked.size >= 65_536) this.#checked.clear();
    this.#checked.set(ip, inside);
    return inside;
  }
}

/** Describes a source for a reason line: the address, endpoint or service. */
export function describeSource(source: UseSource): string {
  const via = source.vpcEndpointId === undefined ? "" : ` via ${source.vpcEndpointId}`;
  if (source.kind === "ip") return `${source.ip}${via}`;
  if (source.kind === "aws-service") return `${source.service}${via}`;
  if (source.kind === "aws-internal") return `AWS Internal${via}`;
  return `an unknown source${via}`;
}
