import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { text } from "../normalize/record-schema.ts";
import { field, parsePolicyDocument } from "../policy-document.ts";
import { describeActor, failure } from "./describe.ts";
import { apisBySource, type Detection } from "./detection.ts";
import { expectedChange } from "./expected-change.ts";

/** What a matching call changes; `undefined` from `target` means this call does not count. */
interface EscalationRule {
  readonly kind: "permissions" | "trust" | "pass-role";
  /** The request parameters that name what was changed or which role was passed, as shown in the reason. */
  readonly target: (use: CredentialUse) => string | undefined;
}

const PARAM_LABELS: readonly (readonly [string, string])[] = [
  ["userName", "user"],
  ["roleName", "role"],
  ["groupName", "group"],
  ["policyArn", "policy"],
  ["policyName", "inline policy"],
  ["versionId", "version"],
  ["permissionsBoundary", "boundary"],
  ["instanceProfileName", "instance profile"],
];

/** Lists the naming parameters a call carries (`role "admin", policy "arn:…"`); denied calls often log none. */
function namedParams(use: CredentialUse): string {
  const parts: string[] = [];
  for (const [key, label] of PARAM_LABELS) {
    const value = param(use, key);
    if (value !== undefined) parts.push(`${label} ${show(value, 160)}`);
  }
  return parts.length === 0 ? "request parameters not logged" : parts.join(", ");
}

/** The instance profile of an EC2 request (`iamInstanceProfile` or `…Request.IamInstanceProfile`). */
function instanceProfile(profile: unknown): string | undefined {
  return (
    text(field(profile, "arn")) ??
    text(field(profile, "Arn")) ??
    text(field(profile, "name")) ??
    text(field(profile, "Name"))
  );
}

const EFFECTS: Readonly<Record<EscalationRule["kind"], string>> = {
  permissions: "changes IAM permissions",
  trust: "changes who may assume a role",
  "pass-role": "passes a role to new compute",
};

const permissions: EscalationRule = { kind: "permissions", target: namedParams };
const trust: EscalationRule = { kind: "trust", target: namedParams };

/** A role passed in `key`; `required` means the API cannot be called without one, so it counts even when unlogged. */
function passes(key: string, required: boolean): EscalationRule {
  return {
    kind: "pass-role",
    target: (use) => {
      const role = param(use, key);
      if (role !== undefined) return `role ${show(role, 160)}`;
      return required ? "role not logged" : undefined;
    },
  };
}

const RULES: ReadonlyMap<string, EscalationRule> = new Map(
  Object.entries({
    "iam.amazonaws.com:AttachUserPolicy": permissions,
    "iam.amazonaws.com:AttachRolePolicy": permissions,
    "iam.amazonaws.com:AttachGroupPolicy": permissions,
    "iam.amazonaws.com:PutUserPolicy": permissions,
    "iam.amazonaws.com:PutRolePolicy": permissions,
    "iam.amazonaws.com:PutGroupPolicy": permissions,
    "iam.amazonaws.com:CreatePolicyVersion": permissions,
    "iam.amazonaws.com:SetDefaultPolicyVersion": permissions,
    "iam.amazonaws.com:AddUserToGroup": permissions,
    "iam.amazonaws.com:PutUserPermissionsBoundary": permissions,
    "iam.amazonaws.com:PutRolePermissionsBoundary": permissions,
    "iam.amazonaws.com:DeleteUserPermissionsBoundary": permissions,
    "iam.amazonaws.com:DeleteRolePermissionsBoundary": permissions,
    "iam.amazonaws.com:UpdateAssumeRolePolicy": trust,
    "iam.amazonaws.com:AddRoleToInstanceProfile": { kind: "pass-role", target: namedParams },
    "ec2.amazonaws.com:RunInstances": {
      kind: "pass-role",
      target: (use) => {
        const profile = instanceProfile(use.requestParameters?.iamInstanceProfile);
        return profile === undefined ? undefined : `instance profile ${show(profile, 160)}`;
      },
    },
    "ec2.amazonaws.com:AssociateIamInstanceProfile": {
      kind: "pass-role",
      target: (use) => {
        const request = use.requestParameters?.AssociateIamInstanceProfileRequest;
        const profile = instanceProfile(field(request, "IamInstanceProfile"));
        const instance = text(field(request, "InstanceId"));
        if (profile === undefined) return "instance profile not logged";
        return `instance profile ${show(profile, 160)}${instance === undefined ? "" : ` to ${show(instance, 40)}`}`;
      },
    },
    "ec2.amazonaws.com:ReplaceIamInstanceProfileAssociation": {
      kind: "pass-role",
      target: (use) => {
        const request = use.requestParameters?.ReplaceIamInstanceProfileAssociationRequest;
        const profile = instanceProfile(field(request, "IamInstanceProfile"));
        return profile === undefined
          ? "instance profile not logged"
          : `instance profile ${show(profile, 160)}`;
      },
    },
    "lambda.amazonaws.com:CreateFunction": passes("role", true),
    "lambda.amazonaws.com:UpdateFunctionConfiguration": passes("role", false),
    "ecs.amazonaws.com:RegisterTaskDefinition": passes("taskRoleArn", false),
    "glue.amazonaws.com:CreateDevEndpoint": passes("roleArn", true),
    "cloudformation.amazonaws.com:CreateStack": passes("roleARN", false),
    "cloudformation.amazonaws.com:UpdateStack": passes("roleARN", false),
  }),
);

/**
 * The APIs outside IAM that hand a role to new compute, by event source (every IAM write matters too).
 * Lambda's names are the base names: CloudTrail appends an API version (`CreateFunction20150331`).
 */
export const PASS_ROLE_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(
  [...RULES.keys()].filter((key) => !key.startsWith("iam.amazonaws.com:")),
);

/** Lambda logs its API version in the event name (`CreateFunction20150331`, `…20150331v2`); drop it. */
function baseEventName(eventSource: string, eventName: string): string {
  return eventSource === "lambda.amazonaws.com" ? eventName.replace(/\d{8}(v\d+)?$/, "") : eventName;
}

/** True when a logged policy document has statements and every one of them denies. */
function denyOnly(document: string): boolean {
  const statements = field(parsePolicyDocument(document), "Statement");
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  return list.length > 0 && list.every((s) => field(s, "Effect") === "Deny");
}

/** AWS-managed policies that only deny: attaching one contains a principal, it cannot escalate it. */
const AWS_DENY_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(AWSDenyAll|AWSCompromisedKeyQuarantine(V\d+)?)$/;
const ATTACH_CALLS: ReadonlySet<string> = new Set([
  "AttachUserPolicy",
  "AttachRolePolicy",
  "AttachGroupPolicy",
]);

/**
 * Containment is not escalation: the inline deny policies vigil itself writes (`AWSRevokeOlderSessions`
 * or `vigil-…` on a role, `vigil-…` on a user), and attaching AWS's own deny-only managed policies
 * (`AWSDenyAll`, `AWSCompromisedKeyQuarantine…`). An inline policy's name alone is not trusted: a
 * logged document must deny and nothing else.
 */
function isContainment(use: CredentialUse): boolean {
  if (ATTACH_CALLS.has(use.eventName)) return AWS_DENY_POLICY.test(param(use, "policyArn") ?? "");
  const name = param(use, "policyName");
  if (name === undefined) return false;
  const named =
    (use.eventName === "PutRolePolicy" && (name === "AWSRevokeOlderSessions" || name.startsWith("vigil-"))) ||
    (use.eventName === "PutUserPolicy" && name.startsWith("vigil-"));
  if (!named) return false;
  const document = param(use, "policyDocument");
  return document === undefined || denyOnly(document);
}

const ADMIN_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/;

/** True when a logged policy document allows everything, or every IAM action, on every resource. */
function allowsAll(document: string): boolean {
  const statements = field(parsePolicyDocument(document), "Statement");
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  const has = (value: unknown, wanted: readonly string[]) =>
    (Array.isArray(value) ? value : [value]).some((v) => typeof v === "string" && wanted.includes(v));
  return list.some(
    (s) =>
      field(s, "Effect") === "Allow" &&
      has(field(s, "Action"), ["*", "iam:*"]) &&
      has(field(s, "Resource"), ["*"]),
  );
}

/** The caller's own role or user name: `ops-automation` of `arn:aws:iam::…:role/ops-automation`. */
function callerName(use: CredentialUse): string {
  const arn = use.principal.arn;
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * What makes a permission change dangerous whoever makes it: it grants administrator or full IAM
 * access, or the caller changes its own permissions. Undefined for an ordinary change.
 */
function danger(use: CredentialUse): string | undefined {
  const grantsAdmin =
    ADMIN_POLICY.test(param(use, "policyArn") ?? "") || allowsAll(param(use, "policyDocument") ?? "");
  const target = use.principal.arn.includes(":role/") ? param(use, "roleName") : param(use, "userName");
  const self = target !== undefined && target === callerName(use);
  if (grantsAdmin && self) return "grants administrator access to itself";
  if (grantsAdmin) return "grants administrator access";
  return self ? "changes its own permissions" : undefined;
}

/**
 * `privilege-escalation`: a machine identity (an access key or a role session) changes IAM
 * permissions or trust, or hands a role to new compute (EC2, Lambda, ECS, Glue, CloudFormation) that
 * will then act with it. Denied attempts count too, worded as attempts. Root is left to
 * `root-usage`; containment (vigil's own revocation and quarantine policies, AWS's deny-only managed
 * policies) is not escalation. Declared deployers, CloudFormation and the console change permissions
 * as their work: for them only the dangerous changes count (administrator access granted, or a
 * principal changing its own permissions).
 */
export const privilegeEscalation: Detection = {
  id: "privilege-escalation",
  title: "Machine identity changed IAM permissions or passed a role",
  weight: 30,
  attack: ["T1098.003", "T1548.005"],
  evaluate(use, ctx) {
    if (use.credential.kind !== "access-key" && use.credential.kind !== "role-session") return undefined;
    const rule = RULES.get(`${use.eventSource}:${baseEventName(use.eventSource, use.eventName)}`);
    if (rule === undefined || isContainment(use)) return undefined;
    const target = rule.target(use);
    if (target === undefined) return undefined;
    const dangerous = rule.kind === "permissions" ? danger(use) : undefined;
    if (dangerous === undefined && expectedChange(use, ctx) !== undefined) return undefined;
    const api = `${use.eventSource.replace(/\.amazonaws\.com$/, "")}:${use.eventName}`;
    const effect = dangerous === undefined ? EFFECTS[rule.kind] : `${EFFECTS[rule.kind]}, ${dangerous}`;
    const reason =
      use.errorCode === undefined
        ? `${describeActor(use)} called ${api} (${effect}: ${target})`
        : `${describeActor(use)} attempted ${api} (${effect}: ${target}), ${failure(use.errorCode)}`;
    return { id: "privilege-escalation", reason };
  },
};
