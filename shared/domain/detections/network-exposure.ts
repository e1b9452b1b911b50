import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { field } from "../policy-document.ts";
import { describeCall } from "./describe.ts";
import { apisBySource, type Detection } from "./detection.ts";

/** Points for world-open remote administration, databases or every port; other ports get the base weight. */
export const ADMIN_PORT_WEIGHT = 35;

/** Ports whose services should never face the internet: remote administration, databases, clusters. */
const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [21, "FTP"],
  [22, "SSH"],
  [23, "Telnet"],
  [135, "RPC"],
  [139, "NetBIOS"],
  [445, "SMB"],
  [1433, "SQL Server"],
  [1521, "Oracle"],
  [2375, "Docker"],
  [2376, "Docker"],
  [3306, "MySQL"],
  [3389, "RDP"],
  [5432, "PostgreSQL"],
  [5900, "VNC"],
  [5985, "WinRM"],
  [5986, "WinRM"],
  [6379, "Redis"],
  [6443, "Kubernetes API"],
  [9200, "Elasticsearch"],
  [10250, "kubelet"],
  [11211, "memcached"],
  [27017, "MongoDB"],
]);
/** Ports that public web endpoints serve: opening them to the world is what a load balancer is for. */
const WEB_PORTS: ReadonlySet<number> = new Set([80, 443]);
const WORLD: ReadonlySet<string> = new Set(["0.0.0.0/0", "::/0"]);

/** One world-open rule: protocol, port range and the range it opens to. */
interface OpenRule {
  readonly protocol: string;
  readonly from: number;
  readonly to: number;
  readonly cidr: string;
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  const nested = field(value, "items");
  if (nested !== undefined) return asList(nested);
  return Array.isArray(value) ? value : [value];
}

function portOf(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

/** Reads a field in either casing (`cidrIp` or `CidrIp`): EC2 logs camelCase, newer APIs PascalCase. */
function either(value: unknown, camel: string): unknown {
  return field(value, camel) ?? field(value, camel.charAt(0).toUpperCase() + camel.slice(1));
}

function ruleOf(permission: unknown, cidr: string): OpenRule {
  const protocol = String(either(permission, "ipProtocol") ?? "-1").toLowerCase();
  const all = protocol === "-1" || protocol === "all";
  return {
    protocol: all ? "all" : protocol,
    from: all ? 0 : (portOf(either(permission, "fromPort")) ?? 0),
    to: all ? 65_535 : (portOf(either(permission, "toPort")) ?? 65_535),
    cidr,
  };
}

/** The world-open rules of AuthorizeSecurityGroupIngress: `ipPermissions.items[]` or the old top-level form. */
function ingressRules(use: CredentialUse): OpenRule[] {
  const params = use.requestParameters;
  const rules: OpenRule[] = [];
  for (const permission of asList(params?.ipPermissions)) {
    for (const range of asList(either(permission, "ipRanges"))) {
      const cidr = either(range, "cidrIp");
      if (typeof cidr === "string" && WORLD.has(cidr)) rules.push(ruleOf(permission, cidr));
    }
    for (const range of asList(either(permission, "ipv6Ranges"))) {
      const cidr = either(range, "cidrIpv6");
      if (typeof cidr === "string" && WORLD.has(cidr)) rules.push(ruleOf(permission, cidr));
    }
  }
  const top = param(use, "cidrIp");
  if (top !== undefined && WORLD.has(top)) rules.push(ruleOf(params, top));
  return rules;
}

/** The world-open rules of ModifySecurityGroupRules (`…Request.SecurityGroupRule[].SecurityGroupRule`). */
function modifiedRules(use: CredentialUse): OpenRule[] {
  const request = use.requestParameters?.ModifySecurityGroupRulesRequest;
  const rules: OpenRule[] = [];
  for (const entry of asList(field(request, "SecurityGroupRule"))) {
    const rule = field(entry, "SecurityGroupRule") ?? entry;
    const cidr = either(rule, "cidrIpv4") ?? either(rule, "cidrIpv6");
    if (typeof cidr === "string" && WORLD.has(cidr)) rules.push(ruleOf(rule, cidr));
  }
  return rules;
}

const RULES: ReadonlyMap<string, (use: CredentialUse) => OpenRule[]> = new Map([
  ["ec2.amazonaws.com:AuthorizeSecurityGroupIngress", ingressRules],
  ["ec2.amazonaws.com:ModifySecurityGroupRules", modifiedRules],
]);

/** The calls this detection judges, by event source: the EventBridge rules deliver these. */
export const NETWORK_EXPOSURE_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(RULES.keys());

function isWebOnly(rule: OpenRule): boolean {
  return rule.protocol !== "all" && rule.from === rule.to && WEB_PORTS.has(rule.from);
}

/** The admin services a rule's port range opens, or all ports. */
function adminExposure(rule: OpenRule): string | undefined {
  if (rule.protocol === "all" || (rule.from <= 0 && rule.to >= 65_535)) return "every port";
  const names: string[] = [];
  for (const [port, name] of ADMIN_PORTS)
    if (port >= rule.from && port <= rule.to) names.push(`${port} ${name}`);
  return names.length === 0 ? undefined : names.slice(0, 4).join(", ") + (names.length > 4 ? ", …" : "");
}

function describeRule(rule: OpenRule): string {
  const ports =
    rule.protocol === "all"
      ? "all traffic"
      : rule.from === rule.to
        ? `${rule.protocol} ${rule.from}`
        : `${rule.protocol} ${rule.from}-${rule.to}`;
  return `${ports} from ${rule.cidr}`;
}

/**
 * `network-exposure`: a security group is opened to the whole internet (`0.0.0.0/0` or `::/0`).
 * Remote administration, database and cluster ports, or every port, weigh
 * {@link ADMIN_PORT_WEIGHT}; other ports the base weight; HTTP and HTTPS alone (what a public load
 * balancer serves) raise nothing. Denied attempts count, worded as attempts. No deployer or console
 * session is exempt: world-open administration is never routine.
 */
export const networkExposure: Detection = {
  id: "network-exposure",
  title: "Security group opened to the internet",
  weight: 25,
  attack: ["T1562.007"],
  evaluate(use) {
    const read = RULES.get(`${use.eventSource}:${use.eventName}`);
    if (read === undefined) return undefined;
    const open = read(use).filter((r) => !isWebOnly(r));
    if (open.length === 0) return undefined;
    const group =
      param(use, "groupId") ??
      param(use, "groupName") ??
      (field(use.requestParameters?.ModifySecurityGroupRulesRequest, "GroupId") as string | undefined);
    const admin = open.map(adminExposure).find((a) => a !== undefined);
    const rules = open.slice(0, 3).map(describeRule).join("; ");
    const what = `opens security group ${show(group ?? "(not logged)", 60)} to the internet: ${rules}${admin === undefined ? "" : ` — exposes ${admin}`}`;
    return {
      id: "network-exposure",
      reason: describeCall(use, what),
      weight: admin === undefined ? undefined : ADMIN_PORT_WEIGHT,
    };
  },
};
