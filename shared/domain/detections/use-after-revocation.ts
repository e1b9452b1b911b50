import type { BaselineStore } from "../../ports/baseline-store.ts";
import { show } from "../errors.ts";
import { type CredentialUse, param, succeeded } from "../event.ts";
import { parsePolicyDocument } from "../policy-document.ts";
import type { Detection } from "./detection.ts";

const NAMESPACE = "use-after-revocation";
const IAM = "iam.amazonaws.com";
/** The inline policy name the IAM console uses to revoke a role's active sessions. */
export const REVOKE_POLICY_NAME = "AWSRevokeOlderSessions";
/** Marker under which a role's deletion is kept among its revocations. */
const ROLE_DELETED = "(role deleted)";
/** Most revocations kept per role; the oldest is forgotten first. */
const MAX_ROLE_REVOCATIONS = 16;
const EPOCH_SECONDS = /^\d+$/;

/** A revoked access key: when, how and by whom. `null` once the key is made active again. */
type KeyRevocation = { at: number; how: "deactivated" | "deleted"; by: string } | null;

/**
 * One revocation of a role's sessions: sessions issued before `cutoff` are dead from `at` on. `policy`
 * names the inline policy that made it, or is {@link ROLE_DELETED}. A role keeps a short list of them
 * (a list, not a record by policy name: policy names are chosen by users and may be `__proto__`).
 */
interface RoleCutoff {
  policy: string;
  cutoff: number;
  at: number;
  by: string;
}

function keyKey(accessKeyId: string): string {
  return `key:${accessKeyId}`;
}

function roleKey(accountId: string, roleName: string): string {
  return `role:${accountId}:${roleName}`;
}

/** The long-term key behind a use, if any: IAM user keys and root keys can be deactivated. */
function longTermKeyOf(use: CredentialUse): string | undefined {
  if (use.credential.kind === "access-key") return use.credential.id;
  const key = use.credential.accessKeyId;
  return use.credential.kind === "root" && key?.startsWith("AKIA") ? key : undefined;
}

/** The account and name of the role behind a session (the path is left out: revoking calls omit it). */
function roleOf(use: CredentialUse): { accountId: string; name: string } | undefined {
  const arn = use.principal.arn;
  const marker = arn.indexOf(":role/");
  if (marker === -1) return undefined;
  return {
    accountId: arn.slice(arn.lastIndexOf(":", marker - 1) + 1, marker),
    name: arn.slice(arn.lastIndexOf("/") + 1),
  };
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function outcome(use: CredentialUse): string {
  return succeeded(use) ? "succeeded" : `failed with ${use.errorCode}`;
}

/**
 * `use-after-revocation`: a credential acts after it was revoked. Revocations are learned from the
 * successful IAM calls that make them, whoever makes them: `UpdateAccessKey` to `Inactive` and
 * `DeleteAccessKey` revoke a key (`Active` again lifts it); an inline role policy denying sessions with
 * an `aws:TokenIssueTime` earlier than a cutoff (the console's `AWSRevokeOlderSessions`), or deleting
 * the role, revokes the sessions issued before the cutoff (deleting that inline policy lifts it).
 * Revocations are kept under the revoked key or role, not under the caller that made them. Both
 * successful and failed calls fire: a failed call still shows someone holds the revoked credential.
 */
export const useAfterRevocation: Detection = {
  id: "use-after-revocation",
  title: "Used after it was deactivated or its sessions revoked",
  weight: 35,
  attack: ["T1078.004"],
  evaluate(use, ctx) {
    const key = longTermKeyOf(use);
    if (key !== undefined) {
      const revoked = ctx.baselines.get<KeyRevocation>(NAMESPACE, keyKey(key));
      if (revoked == null || use.eventTime <= revoked.at) return undefined;
      return {
        id: "use-after-revocation",
        reason: `access key ${key} was ${revoked.how} by ${revoked.by} at ${time(revoked.at)}; this ${actionOf(use)} at ${time(use.eventTime)} ${outcome(use)}`,
      };
    }
    const issuedAt = use.session?.issuedAt;
    if (use.credential.kind !== "role-session" || issuedAt === undefined) return undefined;
    const role = roleOf(use);
    if (role === undefined) return undefined;
    const revocations = ctx.baselines.get<RoleCutoff[]>(NAMESPACE, roleKey(role.accountId, role.name));
    if (revocations === undefined) return undefined;
    for (const r of revocations) {
      if (issuedAt >= r.cutoff || use.eventTime <= r.at) continue;
      const how =
        r.policy === ROLE_DELETED
          ? `role ${role.name} was deleted by ${r.by} at ${time(r.at)}`
          : `sessions of role ${role.name} issued before ${time(r.cutoff)} were revoked by ${r.by} (inline policy ${show(r.policy)}) at ${time(r.at)}`;
      return {
        id: "use-after-revocation",
        reason: `${how}; session ${show(use.principal.sessionName ?? use.credential.accessKeyId ?? "?")} issued at ${time(issuedAt)} made ${actionOf(use)} at ${time(use.eventTime)}, which ${outcome(use)}`,
      };
    }
    return undefined;
  },
  learn(use, ctx) {
    if (use.eventSource !== IAM || !succeeded(use)) return;
    const by = use.principal.callerArn ?? use.principal.arn;
    switch (use.eventName) {
      case "UpdateAccessKey": {
        const key = param(use, "accessKeyId");
        const status = param(use, "status");
        if (key === undefined) return;
        const stored = keyKey(key);
        if (status === "Inactive") {
          ctx.baselines.set<KeyRevocation>(NAMESPACE, stored, { at: use.eventTime, how: "deactivated", by });
        } else if (status === "Active" && ctx.baselines.get<KeyRevocation>(NAMESPACE, stored) != null) {
          ctx.baselines.set<KeyRevocation>(NAMESPACE, stored, null);
        }
        return;
      }
      case "DeleteAccessKey": {
        const key = param(use, "accessKeyId");
        if (key === undefined) return;
        ctx.baselines.set<KeyRevocation>(NAMESPACE, keyKey(key), { at: use.eventTime, how: "deleted", by });
        return;
      }
      case "PutRolePolicy": {
        const roleName = param(use, "roleName");
        const policyName = param(use, "policyName");
        if (roleName === undefined || policyName === undefined || use.accountId === undefined) return;
        const document = use.requestParameters?.policyDocument;
        const cutoff =
          tokenIssueCutoff(document) ?? (policyName === REVOKE_POLICY_NAME ? use.eventTime : undefined);
        updateRole(
          ctx.baselines,
          roleKey(use.accountId, roleName),
          policyName,
          cutoff === undefined ? undefined : { cutoff, at: use.eventTime, by },
        );
        return;
      }
      case "DeleteRolePolicy": {
        const roleName = param(use, "roleName");
        const policyName = param(use, "policyName");
        if (roleName === undefined || policyName === undefined || use.accountId === undefined) return;
        updateRole(ctx.baselines, roleKey(use.accountId, roleName), policyName, undefined);
        return;
      }
      case "DeleteRole": {
        const roleName = param(use, "roleName");
        if (roleName === undefined || use.accountId === undefined) return;
        updateRole(ctx.baselines, roleKey(use.accountId, roleName), ROLE_DELETED, {
          cutoff: use.eventTime,
          at: use.eventTime,
          by,
        });
        return;
      }
    }
  },
};

/** Records (or, with `entry` undefined, lifts) the revocation one inline policy makes on a role. */
function updateRole(
  baselines: BaselineStore,
  key: string,
  policy: string,
  entry: Omit<RoleCutoff, "policy"> | undefined,
): void {
  const current = baselines.get<RoleCutoff[]>(NAMESPACE, key);
  const others = current?.filter((r) => r.policy !== policy) ?? [];
  if (entry === undefined) {
    if (current !== undefined && others.length < current.length) baselines.set(NAMESPACE, key, others);
    return;
  }
  if (others.length >= MAX_ROLE_REVOCATIONS) others.splice(0, others.length - MAX_ROLE_REVOCATIONS + 1);
  others.push({ policy, ...entry });
  baselines.set(NAMESPACE, key, others);
}

/**
 * The latest `aws:TokenIssueTime` cutoff a policy document denies with `DateLessThan`, or undefined.
 * CloudTrail logs the document as a JSON string, sometimes URL-encoded.
 */
export function tokenIssueCutoff(document: unknown): number | undefined {
  const parsed = typeof document === "string" ? parsePolicyDocument(document) : document;
  if (!isObject(parsed)) return undefined;
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  let cutoff: number | undefined;
  for (const statement of statements) {
    if (!isObject(statement) || statement.Effect !== "Deny" || !isObject(statement.Condition)) continue;
    for (const [operator, conditions] of Object.entries(statement.Condition)) {
      const op = operator.toLowerCase();
      if ((op !== "datelessthan" && op !== "datelessthanequals") || !isObject(conditions)) continue;
      for (const [conditionKey, value] of Object.entries(conditions)) {
        if (conditionKey.toLowerCase() !== "aws:tokenissuetime") continue;
        for (const text of Array.isArray(value) ? value : [value]) {
          const at = policyDate(text);
          if (at !== undefined && (cutoff === undefined || at > cutoff)) cutoff = at;
        }
      }
    }
  }
  return cutoff;
}

/** IAM date condition values are ISO 8601 times or epoch seconds. */
function policyDate(value: unknown): number | undefined {
  if (typeof value === "number") return value * 1000;
  if (typeof value !== "string") return undefined;
  if (EPOCH_SECONDS.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function actionOf(use: CredentialUse): string {
  const dot = use.eventSource.indexOf(".");
  return `${dot === -1 ? use.eventSource : use.eventSource.slice(0, dot)}:${use.eventName}`;
}
