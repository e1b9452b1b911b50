import { type EvaluationResult, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import * as z from "zod";
import { show, VigilError } from "../domain/errors.ts";
import type { PrivilegeAssessment, PrivilegeLevel, PrivilegeSource } from "../ports/privilege-source.ts";

/**
 * The privilege of IAM users and roles, worked out offline from an IAM snapshot: the JSON written by
 * `aws iam get-account-authorization-details`. Each principal's identity policies (its own, its groups'
 * for a user, capped by its permissions boundary) are evaluated with `@cloud-copilot/iam-simulate`
 * against a fixed set of probe requests, strongest level first.
 */

/** Raised when an IAM snapshot cannot be used; the message names the bad path and the fix. */
export class IamSnapshotError extends VigilError {
  override name = "IamSnapshotError";
}

// ---------------------------------------------------------------------------------------------------
// Policy documents

const ACTION = /^(\*|[^:\s]+:[^:\s]+)$/;
const actionList = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const list = typeof value === "string" ? [value] : value;
  const bad = list.find((action) => !ACTION.test(action));
  if (bad !== undefined) {
    ctx.addIssue({ code: "custom", message: `has ${show(bad)}, which is not "*" or "service:action"` });
    return z.NEVER;
  }
  return list;
});
const resourceList = z
  .union([z.string(), z.array(z.string())], { error: "must be a string or a list of strings" })
  .transform((value) => (typeof value === "string" ? [value] : value));
const conditionScalar = z.union([z.string(), z.boolean(), z.number()]).transform(String);
const conditionBlock = z.record(
  z.string(),
  z.record(z.string(), z.union([conditionScalar, z.array(conditionScalar)])),
  { error: 'must map operators to { "key": value } objects' },
);

const statementSchema = z
  .object(
    {
      Sid: z.string().optional(),
      Effect: z.enum(["Allow", "Deny"], { error: 'must be "Allow" or "Deny"' }),
      Action: actionList.optional(),
      NotAction: actionList.optional(),
      Resource: resourceList.optional(),
      NotResource: resourceList.optional(),
      Condition: conditionBlock.optional(),
    },
    { error: "must be an object" },
  )
  .superRefine((statement, ctx) => {
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      ctx.addIssue({ code: "custom", message: "needs exactly one of Action or NotAction" });
    }
    if ((statement.Resource === undefined) === (statement.NotResource === undefined)) {
      ctx.addIssue({ code: "custom", message: "needs exactly one of Resource or NotResource" });
    }
  });

const documentSchema = z.object(
  {
    Version: z.string().optional(),
    // One statement may stand alone; it is then reported as Statement[0].
    Statement: z.preprocess(
      (value) => (Array.isArray(value) || value === undefined ? value : [value]),
      z.array(statementSchema, { error: "must be a statement or a list of them" }),
    ),
  },
  { error: "must be an object" },
);

/** An identity policy document after decoding and validation: statements always as a list. */
export type PolicyDocument = z.output<typeof documentSchema>;

/**
 * Policy documents come as objects (the AWS CLI decodes them) or as URL-encoded JSON strings (the raw
 * API and SDKs). Returns the decoded document, or a reason why it is not one.
 */
function decodePolicyDocument(value: unknown): PolicyDocument | string {
  let candidate = value;
  if (typeof value === "string") {
    let text = value.trim();
    if (!text.startsWith("{")) {
      try {
        text = decodeURIComponent(text);
      } catch {
        return `${show(value, 40)} is neither JSON nor URL-encoded JSON`;
      }
    }
    try {
      candidate = JSON.parse(text);
    } catch {
      return `${show(value, 40)} is not JSON (after URL-decoding)`;
    }
  }
  const parsed = documentSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) return "it does not validate";
  const where = formatPath(issue.path);
  const statements = valueAt(candidate, ["Statement"]);
  const view =
    statements === undefined || Array.isArray(statements) ? candidate : { Statement: [statements] };
  const bad = valueAt(view, issue.path);
  if (bad === undefined && issue.code !== "custom") return `${where || "document"} is missing`;
  const got = issue.code === "custom" ? "" : `, got ${show(bad, 40)}`;
  return `${where || "document"} ${issue.message}${got}`;
}

const policyDocument = z.unknown().transform((value, ctx) => {
  const decoded = decodePolicyDocument(value);
  if (typeof decoded === "string") {
    ctx.addIssue({ code: "custom", message: `is not a policy document: ${decoded}` });
    return z.NEVER;
  }
  return decoded;
});

// ---------------------------------------------------------------------------------------------------
// The snapshot

const PRINCIPAL_ARN = /^arn:([a-z-]+):iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/;
const arnOf = (kind: "user" | "role" | "group") =>
  z
    .string({ error: `must be an IAM ${kind} ARN` })
    .regex(new RegExp(`^arn:[a-z-]+:iam::\\d{12}:${kind}/`), { error: `must be an IAM ${kind} ARN` });
const name = z.string({ error: "must be a string" });

const inlinePolicy = z.object({ PolicyName: name, PolicyDocument: policyDocument });
const attachedPolicy = z.object({ PolicyName: name, PolicyArn: name });
const boundary = z.object({ PermissionsBoundaryType: z.string().optional(), PermissionsBoundaryArn: name });

const userSchema = z.object({
  UserName: name,
  Arn: arnOf("user"),
  UserPolicyList: z.array(inlinePolicy).default([]),
  GroupList: z.array(name).default([]),
  AttachedManagedPolicies: z.array(attachedPolicy).default([]),
  PermissionsBoundary: boundary.optional(),
});
const roleSchema = z.object({
  RoleName: name,
  Arn: arnOf("role"),
  RolePolicyList: z.array(inlinePolicy).default([]),
  AttachedManagedPolicies: z.array(attachedPolicy).default([]),
  PermissionsBoundary: boundary.optional(),
});
const groupSchema = z.object({
  GroupName: name,
  Arn: arnOf("group"),
  GroupPolicyList: z.array(inlinePolicy).default([]),
  AttachedManagedPolicies: z.array(attachedPolicy).default([]),
});
const managedPolicySchema = z
  .object({
    PolicyName: name,
    Arn: name,
    DefaultVersionId: z.string().optional(),
    PolicyVersionList: z.array(
      z.object({ Document: policyDocument, VersionId: z.string().optional(), IsDefaultVersion: z.boolean() }),
    ),
  })
  .superRefine((policy, ctx) => {
    if (!policy.PolicyVersionList.some((version) => version.IsDefaultVersion)) {
      ctx.addIssue({
        code: "custom",
        path: ["PolicyVersionList"],
        message: "has no version with IsDefaultVersion true",
      });
    }
  });

const snapshotSchema = z
  .object(
    {
      UserDetailList: z.array(userSchema).default([]),
      GroupDetailList: z.array(groupSchema).default([]),
      RoleDetailList: z.array(roleSchema).default([]),
      Policies: z.array(managedPolicySchema).default([]),
      IsTruncated: z.boolean().optional(),
    },
    { error: "must be a JSON object" },
  )
  .superRefine((snapshot, ctx) => {
    if (snapshot.IsTruncated === true) {
      ctx.addIssue({
        code: "custom",
        path: ["IsTruncated"],
        message: "is true: this is one page of the output, not the whole account",
      });
    }
  });

/** A validated IAM snapshot, policy documents decoded. */
export type IamSnapshot = z.output<typeof snapshotSchema>;

const SNAPSHOT_FIX =
  "load the complete JSON written by `aws iam get-account-authorization-details --output json`";

/**
 * Validates the output of `aws iam get-account-authorization-details` (parsed JSON), decodes its policy
 * documents and returns the PrivilegeSource over it. Throws an IamSnapshotError naming `source`, the
 * bad path and the fix. Principals are assessed later, on first ask.
 *
 * @example
 * const privilege = loadIamSnapshot(JSON.parse(readFileSync(file, "utf8")), file);
 * privilege.assess("arn:aws:iam::111122223333:role/ci-deployer")?.level; // "iam-write"
 */
export function loadIamSnapshot(json: unknown, source: string): IamSnapshotPrivilege {
  return new IamSnapshotPrivilege(parseIamSnapshot(json, source));
}

/** The validation half of loadIamSnapshot: the snapshot with its documents decoded, or an IamSnapshotError. */
export function parseIamSnapshot(json: unknown, source: string): IamSnapshot {
  const parsed = snapshotSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [issue, ...more] = parsed.error.issues;
  if (issue === undefined) throw new IamSnapshotError(`${source}: not an IAM snapshot; ${SNAPSHOT_FIX}`);
  const where = formatPath(issue.path) || "snapshot";
  const bad = valueAt(json, issue.path);
  const problem =
    issue.code === "custom"
      ? issue.message
      : bad === undefined
        ? "is missing"
        : `${issue.message}, got ${show(bad, 60)}`;
  const others = more.length === 0 ? "" : ` (and ${more.length} more problem${more.length === 1 ? "" : "s"})`;
  throw new IamSnapshotError(`${source}: ${where} ${problem}${others}; ${SNAPSHOT_FIX}`, {
    cause: parsed.error,
    context: { source, path: where },
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path)
    text += typeof key === "number" ? `[${key}]` : text === "" ? String(key) : `.${String(key)}`;
  return text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------
// AWS managed policies that snapshots often reference without including. These are short documents
// written for vigil from what each policy grants, not copies: enough to classify a principal.

const allow = (Action: string[], Resource: string[] = ["*"]) => ({
  Effect: "Allow" as const,
  Action,
  Resource,
});

const READ_ONLY_ACTIONS = [
  ...[
    "s3",
    "ec2",
    "iam",
    "lambda",
    "logs",
    "cloudtrail",
    "cloudwatch",
    "kms",
    "sqs",
    "sns",
    "rds",
    "kinesis",
  ].flatMap((service) => [`${service}:Get*`, `${service}:List*`, `${service}:Describe*`]),
  ...["cloudformation", "ecs", "ecr", "ssm", "organizations", "tag", "sts", "config", "guardduty"].flatMap(
    (service) => [`${service}:Get*`, `${service}:List*`, `${service}:Describe*`],
  ),
  "dynamodb:BatchGetItem",
  "dynamodb:Describe*",
  "dynamodb:GetItem",
  "dynamodb:List*",
  "dynamodb:Query",
  "dynamodb:Scan",
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetResourcePolicy",
  "secretsmanager:List*",
  "cloudtrail:LookupEvents",
  "sqs:ReceiveMessage",
];

const AWS_MANAGED: Readonly<Record<string, PolicyDocument>> = {
  AdministratorAccess: { Version: "2012-10-17", Statement: [allow(["*"])] },
  PowerUserAccess: {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: ["*"] },
      allow([
        "iam:CreateServiceLinkedRole",
        "iam:DeleteServiceLinkedRole",
        "iam:ListRoles",
        "organizations:DescribeOrganization",
        "account:ListRegions",
        "account:GetAccountInformation",
      ]),
    ],
  },
  IAMFullAccess: {
    Version: "2012-10-17",
    Statement: [allow(["iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization"])],
  },
  ReadOnlyAccess: { Version: "2012-10-17", Statement: [allow(READ_ONLY_ACTIONS)] },
  SecretsManagerReadWrite: {
    Version: "2012-10-17",
    Statement: [
      allow([
        "secretsmanager:*",
        "kms:DescribeKey",
        "kms:ListAliases",
        "kms:ListKeys",
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "lambda:ListFunctions",
        "tag:GetResources",
      ]),
    ],
  },
  AmazonS3FullAccess: { Version: "2012-10-17", Statement: [allow(["s3:*", "s3-object-lambda:*"])] },
  AmazonS3ReadOnlyAccess: {
    Version: "2012-10-17",
    Statement: [
      allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"]),
    ],
  },
  AWSDenyAll: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"] }] },
};

const AWS_MANAGED_ARN = /^arn:[a-z-]+:iam::aws:policy\/(.+)$/;

// ---------------------------------------------------------------------------------------------------
// Probes: one request per question, resources in the principal's own account and partition.

interface Probe {
  readonly action: string;
  /** "any": allowed on an arbitrary resource (stands for "*"); "some": on at least one matching resource. */
  readonly scope: "any" | "some";
  /** The request resource; `{p}` is the partition, `{a}` the account. "some" probes use a wildcard pattern. */
  readonly resource: string;
  /** How the reason names the resource. */
  readonly target: string;
}

const any = (action: string, resource: string): Probe => ({ action, scope: "any", resource, target: "*" });
const some = (action: string, resource: string, target: string): Probe => ({
  action,
  scope: "some",
  resource,
  target,
});

const ROLE = "arn:{p}:iam::{a}:role/vigil-probe";
const USER = "arn:{p}:iam::{a}:user/vigil-probe";
const INSTANCE = "arn:{p}:ec2:us-east-1:{a}:instance/i-0123456789abcdef0";

/**
 * Every one of these allowed on an arbitrary resource makes a principal an administrator. (No KMS
 * probe: the simulator, like AWS, also asks the key policy, which a snapshot does not hold.)
 */
const ADMIN_PROBES: readonly Probe[] = [
  any("iam:CreateUser", USER),
  any("iam:AttachRolePolicy", ROLE),
  any("ec2:RunInstances", INSTANCE),
  any("s3:GetObject", "arn:{p}:s3:::vigil-probe-bucket/vigil-probe"),
  any("lambda:CreateFunction", "arn:{p}:lambda:us-east-1:{a}:function:vigil-probe"),
  any("cloudtrail:StopLogging", "arn:{p}:cloudtrail:us-east-1:{a}:trail/vigil-probe"),
  any("dynamodb:DeleteTable", "arn:{p}:dynamodb:us-east-1:{a}:table/vigil-probe"),
];

/**
 * Any one of these allowed lets a principal change IAM permissions. Policy and trust changes count on
 * some resource (changing one role's policy is enough to escalate); new keys, passwords, users and
 * PassRole only on "*", since narrow grants of those are routine (a user managing its own keys).
 */
const LEVEL_PROBES: ReadonlyArray<readonly [Exclude<PrivilegeLevel, "admin" | "none">, readonly Probe[]]> = [
  [
    "iam-write",
    [
      some("iam:PutRolePolicy", "arn:{p}:iam::{a}:role/*", "some role"),
      some("iam:AttachRolePolicy", "arn:{p}:iam::{a}:role/*", "some role"),
      some("iam:UpdateAssumeRolePolicy", "arn:{p}:iam::{a}:role/*", "some role"),
      some("iam:PutUserPolicy", "arn:{p}:iam::{a}:user/*", "some user"),
      some("iam:AttachUserPolicy", "arn:{p}:iam::{a}:user/*", "some user"),
      some("iam:PutGroupPolicy", "arn:{p}:iam::{a}:group/*", "some group"),
      some("iam:AttachGroupPolicy", "arn:{p}:iam::{a}:group/*", "some group"),
      some("iam:AddUserToGroup", "arn:{p}:iam::{a}:group/*", "some group"),
      some("iam:CreatePolicyVersion", "arn:{p}:iam::{a}:policy/*", "some policy"),
      some("iam:SetDefaultPolicyVersion", "arn:{p}:iam::{a}:policy/*", "some policy"),
      any("iam:CreateAccessKey", USER),
      any("iam:CreateLoginProfile", USER),
      any("iam:PassRole", ROLE),
      any("iam:CreateUser", USER),
    ],
  ],
  [
    "secrets-read",
    [some("secretsmanager:GetSecretValue", "arn:{p}:secretsmanager:*:{a}:secret:*", "some secret")],
  ],
  [
    "data-write",
    [
      some("s3:PutObject", "arn:{p}:s3:::*/*", "some S3 object"),
      some("s3:DeleteObject", "arn:{p}:s3:::*/*", "some S3 object"),
      some("dynamodb:PutItem", "arn:{p}:dynamodb:*:{a}:table/*", "some DynamoDB table"),
      some("dynamodb:DeleteItem", "arn:{p}:dynamodb:*:{a}:table/*", "some DynamoDB table"),
      some("sqs:SendMessage", "arn:{p}:sqs:*:{a}:*", "some SQS queue"),
      some("sns:Publish", "arn:{p}:sns:*:{a}:*", "some SNS topic"),
      some("kinesis:PutRecord", "arn:{p}:kinesis:*:{a}:stream/*", "some Kinesis stream"),
    ],
  ],
  [
    "read-only",
    [
      some("s3:GetObject", "arn:{p}:s3:::*/*", "some S3 object"),
      some("s3:ListBucket", "arn:{p}:s3:::*", "some S3 bucket"),
      any("s3:ListAllMyBuckets", "arn:{p}:s3:::vigil-probe-bucket"),
      any("ec2:DescribeInstances", INSTANCE),
      some("dynamodb:GetItem", "arn:{p}:dynamodb:*:{a}:table/*", "some DynamoDB table"),
      some("dynamodb:Query", "arn:{p}:dynamodb:*:{a}:table/*", "some DynamoDB table"),
      some("sqs:ReceiveMessage", "arn:{p}:sqs:*:{a}:*", "some SQS queue"),
      some("secretsmanager:DescribeSecret", "arn:{p}:secretsmanager:*:{a}:secret:*", "some secret"),
      some("ssm:GetParameter", "arn:{p}:ssm:*:{a}:parameter/*", "some SSM parameter"),
      some("logs:GetLogEvents", "arn:{p}:logs:*:{a}:log-group:*", "some log group"),
      some("iam:GetRole", "arn:{p}:iam::{a}:role/*", "some role"),
      any("iam:ListRoles", ROLE),
      any("cloudtrail:LookupEvents", "arn:{p}:cloudtrail:us-east-1:{a}:trail/vigil-probe"),
    ],
  ],
];

// ---------------------------------------------------------------------------------------------------
// The adapter

interface NamedPolicy {
  /** Unique within one principal: the simulator keys policies by name. */
  readonly id: string;
  /** How a reason names it, e.g. "inline policy deploy of role ci-deployer". */
  readonly description: string;
  readonly document: PolicyDocument;
}

interface Subject {
  readonly kind: "user" | "role";
  readonly name: string;
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  readonly policies: readonly NamedPolicy[];
  readonly boundary: NamedPolicy | undefined;
  /** Whether some Allow statement of the identity policies names an action; if none does, no simulation. */
  readonly identityNames: (action: string) => boolean;
  /** The same for the permissions boundary. */
  readonly boundaryNames: (action: string) => boolean;
  /** Caveats found while gathering the policies (unknown managed policies, missing groups). */
  readonly caveats: readonly string[];
  readonly context: Record<string, string>;
}

type UserDetail = IamSnapshot["UserDetailList"][number];
type RoleDetail = IamSnapshot["RoleDetailList"][number];
type GroupDetail = IamSnapshot["GroupDetailList"][number];

/**
 * A PrivilegeSource over one IAM snapshot. Principals are assessed on first ask and cached by ARN;
 * evaluation is synchronous (the port is), so it uses the simulator's unvalidated entry point on
 * documents this module has validated itself.
 *
 * @example
 * const privilege = new IamSnapshotPrivilege(parseIamSnapshot(json, "iam.json"));
 * privilege.assess("arn:aws:iam::111122223333:role/ci-deployer");
 * // { level: "iam-write", reason: "iam:PutRolePolicy on some role allowed by inline policy deploy of role ci-deployer" }
 */
export class IamSnapshotPrivilege implements PrivilegeSource {
  readonly #users = new Map<string, UserDetail>();
  readonly #roles = new Map<string, RoleDetail>();
  readonly #groups = new Map<string, GroupDetail>();
  /** Default version of each managed policy in the snapshot, by ARN. */
  readonly #managed = new Map<string, PolicyDocument>();
  readonly #cache = new Map<string, PrivilegeAssessment | undefined>();

  constructor(snapshot: IamSnapshot) {
    for (const user of snapshot.UserDetailList) this.#users.set(user.Arn, user);
    for (const role of snapshot.RoleDetailList) this.#roles.set(role.Arn, role);
    for (const group of snapshot.GroupDetailList) this.#groups.set(group.GroupName, group);
    for (const policy of snapshot.Policies) {
      const version = policy.PolicyVersionList.find((v) => v.IsDefaultVersion);
      if (version !== undefined) this.#managed.set(policy.Arn, version.Document);
    }
  }

  /** The ARNs of every user and role in the snapshot. */
  get principalArns(): string[] {
    return [...this.#users.keys(), ...this.#roles.keys()];
  }

  assess(principalArn: string): PrivilegeAssessment | undefined {
    if (this.#cache.has(principalArn)) return this.#cache.get(principalArn);
    const subject = this.#subjectOf(principalArn);
    const assessment = subject === undefined ? undefined : classify(subject);
    this.#cache.set(principalArn, assessment);
    return assessment;
  }

  #subjectOf(arn: string): Subject | undefined {
    const parts = PRINCIPAL_ARN.exec(arn);
    if (parts === null) return undefined;
    const [, partition = "aws", account = "", kind] = parts;
    const caveats: string[] = [];
    const policies: NamedPolicy[] = [];
    const add = (description: string, document: PolicyDocument) =>
      policies.push({ id: `policy-${policies.length + 1}`, description, document });
    const addManaged = (attached: readonly { PolicyName: string; PolicyArn: string }[], owner: string) => {
      for (const { PolicyName, PolicyArn } of attached) {
        const document = this.#managedDocument(PolicyArn, caveats);
        if (document !== undefined) add(`managed policy ${PolicyName} of ${owner}`, document);
      }
    };

    let name: string;
    let boundaryArn: string | undefined;
    const context: Record<string, string> = {
      "aws:PrincipalArn": arn,
      "aws:PrincipalAccount": account,
      "aws:SecureTransport": "true",
    };
    if (kind === "user") {
      const user = this.#users.get(arn);
      if (user === undefined) return undefined;
      name = user.UserName;
      const owner = `user ${name}`;
      context["aws:username"] = name;
      context["aws:PrincipalType"] = "User";
      for (const inline of user.UserPolicyList)
        add(`inline policy ${inline.PolicyName} of ${owner}`, inline.PolicyDocument);
      addManaged(user.AttachedManagedPolicies, owner);
      for (const groupName of user.GroupList) {
        const group = this.#groups.get(groupName);
        if (group === undefined) {
          caveats.push(`group ${groupName} is not in the snapshot: privilege may be understated`);
          continue;
        }
        for (const inline of group.GroupPolicyList) {
          add(`inline policy ${inline.PolicyName} of group ${groupName}`, inline.PolicyDocument);
        }
        addManaged(group.AttachedManagedPolicies, `group ${groupName}`);
      }
      boundaryArn = user.PermissionsBoundary?.PermissionsBoundaryArn;
    } else {
      const role = this.#roles.get(arn);
      if (role === undefined) return undefined;
      name = role.RoleName;
      const owner = `role ${name}`;
      context["aws:PrincipalType"] = "AssumedRole";
      for (const inline of role.RolePolicyList)
        add(`inline policy ${inline.PolicyName} of ${owner}`, inline.PolicyDocument);
      addManaged(role.AttachedManagedPolicies, owner);
      boundaryArn = role.PermissionsBoundary?.PermissionsBoundaryArn;
    }

    let boundary: NamedPolicy | undefined;
    if (boundaryArn !== undefined) {
      const document = this.#managed.get(boundaryArn) ?? awsManagedDocument(boundaryArn);
      if (document === undefined) {
        caveats.push(`unknown permissions boundary ${boundaryArn} was left out: privilege may be overstated`);
      } else {
        boundary = {
          id: "boundary",
          description: `permissions boundary ${policyNameOf(boundaryArn)}`,
          document,
        };
      }
    }
    return {
      kind: kind === "user" ? "user" : "role",
      name,
      arn,
      partition,
      account,
      policies,
      boundary,
      identityNames: allowNames(policies.map((policy) => policy.document)),
      boundaryNames: boundary === undefined ? () => true : allowNames([boundary.document]),
      caveats,
      context,
    };
  }

  #managedDocument(policyArn: string, caveats: string[]): PolicyDocument | undefined {
    const found = this.#managed.get(policyArn) ?? awsManagedDocument(policyArn);
    if (found !== undefined) return found;
    caveats.push(
      AWS_MANAGED_ARN.test(policyArn)
        ? `unknown AWS managed policy ${policyArn}: privilege may be understated`
        : `managed policy ${policyArn} is not in the snapshot: privilege may be understated`,
    );
    return undefined;
  }
}

const actionPatterns = new Map<string, RegExp>();

/** An IAM action pattern ("s3:Get*", "iam:?etRole") as a case-insensitive regular expression, cached. */
function actionPattern(pattern: string): RegExp {
  let regex = actionPatterns.get(pattern);
  if (regex === undefined) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    regex = new RegExp(`^${body}$`, "i");
    actionPatterns.set(pattern, regex);
  }
  return regex;
}

/** Whether some Allow statement of `documents` names an action (a cheap test before simulating). */
function allowNames(documents: readonly PolicyDocument[]): (action: string) => boolean {
  const patterns: RegExp[] = [];
  for (const document of documents) {
    for (const statement of document.Statement) {
      if (statement.Effect !== "Allow") continue;
      if (statement.Action === undefined) return () => true; // NotAction: anything outside it may be allowed
      for (const action of statement.Action) patterns.push(actionPattern(action));
    }
  }
  return (action) => patterns.some((pattern) => pattern.test(action));
}

function awsManagedDocument(policyArn: string): PolicyDocument | undefined {
  const key = AWS_MANAGED_ARN.exec(policyArn)?.[1];
  return key === undefined ? undefined : AWS_MANAGED[key];
}

function policyNameOf(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf("/") + 1);
}

// ---------------------------------------------------------------------------------------------------
// Classification

/** Evaluates one probe for `subject`, optionally with other policies or without the boundary. */
function simulate(
  subject: Subject,
  probe: Probe,
  options: { policies?: readonly NamedPolicy[]; withoutBoundary?: boolean } = {},
): EvaluationResult {
  const policies = options.policies ?? subject.policies;
  const boundary = options.withoutBoundary === true ? undefined : subject.boundary;
  if (!subject.identityNames(probe.action)) return "ImplicitlyDenied";
  if (boundary !== undefined && !subject.boundaryNames(probe.action)) return "ImplicitlyDenied";
  const resource = probe.resource.replaceAll("{p}", subject.partition).replaceAll("{a}", subject.account);
  try {
    return runUnsafeSimulation(
      {
        request: {
          principal: subject.arn,
          action: probe.action,
          resource: { resource, accountId: subject.account },
          contextVariables: subject.context,
        },
        identityPolicies: policies.map((policy) => ({ name: policy.id, policy: policy.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(boundary === undefined
          ? {}
          : { permissionBoundaryPolicies: [{ name: boundary.id, policy: boundary.document }] }),
      },
      {},
    );
  } catch (error) {
    throw new IamSnapshotError(
      `could not evaluate ${probe.action} for ${subject.kind} ${subject.name}: ${String(error)}; ` +
        "check that its policies are valid IAM policy documents",
      { cause: error, context: { principal: subject.arn, action: probe.action } },
    );
  }
}

/** The policy that allows (or explicitly denies) `probe` on its own, for the reason line. */
function decidingPolicy(
  subject: Subject,
  probe: Probe,
  result: "Allowed" | "ExplicitlyDenied",
): string | undefined {
  const withoutBoundary = result === "ExplicitlyDenied";
  for (const policy of subject.policies) {
    if (simulate(subject, probe, { policies: [policy], withoutBoundary }) === result)
      return policy.description;
  }
  if (result === "ExplicitlyDenied" && subject.boundary !== undefined) return subject.boundary.description;
  return undefined;
}

/** The "any" form of a "some" probe: its pattern with every wildcard filled by a name nobody uses. */
function anywhere(probe: Probe): Probe {
  return any(probe.action, probe.resource.replaceAll("*", "vigil-probe"));
}

function describeProbe(probe: Probe): string {
  return `${probe.action} on ${probe.target}`;
}

/** Why a stronger level did not apply: an explicit deny, or the permissions boundary. */
function blockedNote(subject: Subject, probe: Probe, result: EvaluationResult): string | undefined {
  if (result === "ExplicitlyDenied") {
    const by = decidingPolicy(subject, probe, "ExplicitlyDenied");
    return `${describeProbe(probe)} explicitly denied${by === undefined ? "" : ` by ${by}`}`;
  }
  if (subject.boundary !== undefined && simulate(subject, probe, { withoutBoundary: true }) === "Allowed") {
    return `${describeProbe(probe)} blocked by ${subject.boundary.description}`;
  }
  return undefined;
}

function classify(subject: Subject): PrivilegeAssessment {
  const who = `${subject.kind} ${subject.name}`;
  const finish = (level: PrivilegeLevel, reason: string, note?: string): PrivilegeAssessment => ({
    level,
    reason: [reason, ...(note === undefined ? [] : [note]), ...subject.caveats].join("; "),
  });
  if (subject.policies.length === 0) {
    return finish("none", `${who} has no ${subject.caveats.length === 0 ? "" : "known "}identity policies`);
  }

  let note: string | undefined;
  const failed = ADMIN_PROBES.find((probe) => {
    const result = simulate(subject, probe);
    if (result !== "Allowed") note ??= blockedNote(subject, probe, result);
    return result !== "Allowed";
  });
  if (failed === undefined) {
    const [first] = ADMIN_PROBES;
    const by = first === undefined ? undefined : decidingPolicy(subject, first, "Allowed");
    const actions = ADMIN_PROBES.map((probe) => probe.action).join(", ");
    return finish(
      "admin",
      `every admin probe allowed on * (${actions})${by === undefined ? "" : `; ${first?.action} allowed by ${by}`}`,
    );
  }

  for (const [level, probes] of LEVEL_PROBES) {
    // A note explains why a stronger level did not apply, so one from this level waits until it failed.
    let levelNote: string | undefined;
    for (const probe of probes) {
      const result = simulate(subject, probe);
      if (result === "Allowed") {
        // A "some" probe allowed on an arbitrary resource too is reported as allowed on "*".
        const broad = probe.scope === "some" ? anywhere(probe) : undefined;
        const decided = broad !== undefined && simulate(subject, broad) === "Allowed" ? broad : probe;
        const by = decidingPolicy(subject, decided, "Allowed") ?? `the identity policies of ${who}`;
        return finish(level, `${describeProbe(decided)} allowed by ${by}`, note);
      }
      if (note === undefined) levelNote ??= blockedNote(subject, probe, result);
    }
    note ??= levelNote;
  }
  return finish("none", `no probe allowed for ${who}`, note);
}
