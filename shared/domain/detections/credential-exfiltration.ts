import { show } from "../errors.ts";
import type { CredentialUse } from "../event.ts";
import { type Detection, type DetectionContext, subjectKey } from "./detection.ts";
import { networkOf } from "./new-source.ts";

const NAMESPACE = "credential-exfiltration";
/** Temporary credentials live at most 36 hours: a session not seen for that long is forgotten. */
export const SESSION_TTL_MS = 36 * 3_600_000;
/** Most sessions remembered per role; the first seen is forgotten first. */
export const MAX_SESSIONS = 2_000;
/** Expired sessions are swept at most this often per role, so that learning a session stays cheap. */
const SWEEP_EVERY_MS = 3_600_000;

const INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
const ECS_TASK_ID = /^[0-9a-f]{32}$/;
const LAMBDA_AGENT = "exec-env/AWS_Lambda";

/** Which compute service delivered a session's credentials. */
type Compute = "instance" | "task" | "lambda";

/** What is known of one session (by its ASIA… key): [network first seen, epoch ms first seen, 1 if Lambda]. */
type SessionEntry = [string, number, 0 | 1];

/** The sessions of one role still alive, by their ASIA… key. */
interface RoleSessions {
  sessions: Record<string, SessionEntry>;
  sweptAt: number;
}

/** The compute service behind a role session, judged by how it looks now (and, for Lambda, at first sight). */
function computeOf(use: CredentialUse, entry: SessionEntry | undefined): Compute | undefined {
  const name = use.principal.sessionName;
  if (use.session?.ec2RoleDelivery !== undefined || (name !== undefined && INSTANCE_ID.test(name))) {
    return "instance";
  }
  if (name !== undefined && ECS_TASK_ID.test(name)) return "task";
  if (entry?.[2] === 1 || (entry === undefined && use.userAgent?.includes(LAMBDA_AGENT))) return "lambda";
  return undefined;
}

function describe(compute: Compute, use: CredentialUse): string {
  const arn = use.principal.arn;
  const role = arn.slice(arn.lastIndexOf("/") + 1);
  const session = show(use.principal.sessionName ?? use.credential.accessKeyId ?? "?", 60);
  const kind = compute === "instance" ? "instance" : compute === "task" ? "ECS task" : "Lambda";
  return `${kind} credentials of role ${role} (session ${session})`;
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function lookup(use: CredentialUse, ctx: DetectionContext): SessionEntry | undefined {
  const key = use.credential.accessKeyId;
  if (key === undefined) return undefined;
  const entry = ctx.baselines.get<RoleSessions>(NAMESPACE, subjectKey(use))?.sessions[key];
  // A remembered entry older than any session can live belongs to a different, reused key: ignore it.
  return entry !== undefined && use.eventTime - entry[1] <= SESSION_TTL_MS ? entry : undefined;
}

/**
 * `credential-exfiltration`: credentials that AWS delivers to a compute resource — an EC2 instance
 * role, an ECS task role, a Lambda function's role — are used from somewhere they cannot be: (a) an
 * address on the public internet outside AWS, (b) for an instance or task, a second AWS network
 * (another /24 than the one the session was first seen from, neither through a VPC endpoint: the
 * instance's address or its NAT does not move), or (c) an endpoint of another VPC than the one the
 * session was first seen in (someone replaying them from another VPC; `vpcEndpoints` in the config
 * says which VPC each endpoint belongs to — without it, endpoints alone never fire). It looks only at the session, not
 * at the credential's history, so it fires during the learning period too. Sessions are remembered per
 * role for at most 36 hours (the longest a session lives), at most {@link MAX_SESSIONS} per role.
 */
export const credentialExfiltration: Detection = {
  id: "credential-exfiltration",
  title: "Compute role credentials used outside AWS or outside their own network",
  weight: 35,
  attack: ["T1552.005", "T1078.004"],
  evaluate(use, ctx) {
    if (use.credential.kind !== "role-session" || use.source.kind !== "ip" || use.source.ip === undefined) {
      return undefined;
    }
    const entry = lookup(use, ctx);
    const compute = computeOf(use, entry);
    if (compute === undefined) return undefined;
    const ip = use.source.ip;
    const endpoint = use.source.vpcEndpointId;
    if (endpoint === undefined && ctx.network.classify(ip) === "public") {
      const first =
        entry === undefined ? "" : `; the session was first seen from ${entry[0]} at ${time(entry[1])}`;
      return {
        id: "credential-exfiltration",
        reason: `${describe(compute, use)} used from ${ip}, an address outside AWS${first}`,
      };
    }
    if (entry === undefined) return undefined;
    if (endpoint === undefined) {
      // An instance or task reaches AWS through one NAT or public address: the same session from a
      // second AWS network is a copy of its credentials used elsewhere (say, another account's EC2).
      const net = networkOf(use.source);
      if (compute === "lambda" || entry[0].startsWith("vpce-") || net === undefined || net === entry[0]) {
        return undefined;
      }
      if (ctx.network.classify(ip) !== "aws") return undefined;
      return {
        id: "credential-exfiltration",
        reason: `${describe(compute, use)} used from ${ip} (${net}, an AWS address), but the session was first seen from ${entry[0]} at ${time(entry[1])}: the same credentials in two places`,
      };
    }
    if (entry[0] === endpoint || !entry[0].startsWith("vpce-")) return undefined;
    // A task or instance reaches each AWS service through that service's own endpoint, so a new
    // endpoint alone says nothing; a session moving to an endpoint of another VPC does.
    const vpcOf = ctx.config.vpcEndpoints;
    const was = vpcOf.get(entry[0]);
    const now = vpcOf.get(endpoint);
    if (was === undefined || now === undefined || was === now) return undefined;
    return {
      id: "credential-exfiltration",
      reason: `${describe(compute, use)} used via ${endpoint} of ${now} (${ip}), but the session was first seen via ${entry[0]} of ${was} at ${time(entry[1])}`,
    };
  },
  learn(use, ctx) {
    const sessionKey = use.credential.accessKeyId;
    if (use.credential.kind !== "role-session" || use.source.kind !== "ip" || sessionKey === undefined) {
      return;
    }
    const key = subjectKey(use);
    const known = ctx.baselines.get<RoleSessions>(NAMESPACE, key);
    const entry = known?.sessions[sessionKey];
    if (entry !== undefined && use.eventTime - entry[1] <= SESSION_TTL_MS) return;
    const lambda = use.userAgent?.includes(LAMBDA_AGENT) ? 1 : 0;
    if (lambda === 0 && computeOf(use, undefined) === undefined) return;
    const net = networkOf(use.source);
    if (net === undefined) return;
    const state = known ?? { sessions: {}, sweptAt: use.eventTime };
    if (use.eventTime - state.sweptAt >= SWEEP_EVERY_MS) sweep(state, use.eventTime);
    if (entry === undefined) {
      let size = 0;
      let first: string | undefined;
      for (const session in state.sessions) {
        first ??= session;
        size++;
      }
      if (size >= MAX_SESSIONS && first !== undefined) delete state.sessions[first];
    }
    state.sessions[sessionKey] = [net, use.eventTime, lambda];
    ctx.baselines.set(NAMESPACE, key, state);
  },
};

/** Forgets the sessions first seen longer ago than any session can live. */
function sweep(state: RoleSessions, now: number): void {
  for (const session in state.sessions) {
    const entry = state.sessions[session];
    if (entry === undefined || now - entry[1] > SESSION_TTL_MS) delete state.sessions[session];
  }
  state.sweptAt = now;
}
