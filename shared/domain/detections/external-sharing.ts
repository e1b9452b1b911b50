import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { text } from "../normalize/record-schema.ts";
import { field } from "../policy-document.ts";
import { type Grantee, policyGrantees } from "../resource-policy.ts";
import { describeCall, refusedUnlogged } from "./describe.ts";
import { apisBySource, type Detection } from "./detection.ts";
import { describeGrantees, foreignGrantees } from "./estate.ts";

/** Points of a refused sharing call whose request was not logged: tried, but with whom is unknown. */
export const REFUSED_WEIGHT = 25;

/** One sharing call: what it shares, and whom its request grants access to. */
interface SharingRule {
  /** `snapshot "snap-…"`: what is shared, as the request names it. */
  readonly what: (use: CredentialUse) => string;
  readonly grantees: (use: CredentialUse) => Grantee[];
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** EC2 nests lists as `{"items":[…]}`; some clients log the bare list. */
function items(value: unknown): readonly unknown[] {
  const nested = field(value, "items");
  return asList(nested === undefined ? value : nested);
}

function named(label: string, key: string) {
  return (use: CredentialUse) => `${label} ${show(param(use, key) ?? "(not logged)", 120)}`;
}

/** Who an EC2 `…Permission.add` list grants: `userId` accounts, `group: all` (public), organizations (ours). */
function ec2PermissionGrantees(permission: unknown): Grantee[] {
  const found: Grantee[] = [];
  for (const entry of items(field(permission, "add") ?? field(permission, "Add"))) {
    const user = text(field(entry, "userId")) ?? text(field(entry, "UserId"));
    const group = text(field(entry, "group")) ?? text(field(entry, "Group"));
    if (user !== undefined) found.push({ account: user, as: user });
    if (group === "all") found.push({ account: "*", as: 'group "all" (public)' });
  }
  return found;
}

/** Who RDS's `valuesToAdd` of the `restore` attribute grants: account ids, or `all` (public). */
function rdsGrantees(use: CredentialUse): Grantee[] {
  const attribute = param(use, "attributeName");
  if (attribute !== undefined && attribute !== "restore") return [];
  return asList(use.requestParameters?.valuesToAdd)
    .filter((v): v is string => typeof v === "string")
    .map((v) => (v === "all" ? { account: "*", as: '"all" (public)' } : { account: v, as: v }));
}

const ALL_USERS = /\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;
const PUBLIC_ACLS: ReadonlySet<string> = new Set(["public-read", "public-read-write", "authenticated-read"]);
const GRANT_HEADERS = [
  "x-amz-grant-read",
  "x-amz-grant-write",
  "x-amz-grant-read-acp",
  "x-amz-grant-write-acp",
  "x-amz-grant-full-control",
];

/**
 * Who an S3 ACL grants: the public groups (AllUsers, AuthenticatedUsers — any AWS account), canned
 * public ACLs, and canonical users other than the owner (another account). S3 logs the ACL body as
 * `AccessControlPolicy.AccessControlList.Grant` (one grant or a list) and the canned ACL and grant
 * headers as lists of strings.
 */
function aclGrantees(use: CredentialUse): Grantee[] {
  const found: Grantee[] = [];
  const params = use.requestParameters;
  for (const acl of asList(params?.["x-amz-acl"])) {
    if (typeof acl === "string" && PUBLIC_ACLS.has(acl))
      found.push({ account: "*", as: `canned ACL ${acl}` });
  }
  for (const header of GRANT_HEADERS) {
    for (const value of asList(params?.[header])) {
      if (typeof value !== "string") continue;
      if (ALL_USERS.test(value.replace(/"/g, "")))
        found.push({ account: "*", as: `${header}: ${show(value, 80)}` });
    }
  }
  const policy = field(params?.AccessControlPolicy, "AccessControlList");
  const owner = text(field(field(params?.AccessControlPolicy, "Owner"), "ID"));
  for (const grant of asList(field(policy, "Grant"))) {
    const grantee = field(grant, "Grantee");
    const uri = text(field(grantee, "URI"));
    const id = text(field(grantee, "ID"));
    const permission = text(field(grant, "Permission")) ?? "?";
    if (uri !== undefined && ALL_USERS.test(uri)) {
      found.push({ account: "*", as: `${uri.slice(uri.lastIndexOf("/") + 1)} ${permission}` });
    } else if (id !== undefined && owner !== undefined && id !== owner) {
      found.push({ account: "*", as: `canonical user ${show(id, 24)} (another account) ${permission}` });
    }
  }
  return found;
}

/** Who a Lambda `AddPermission` lets invoke: its principal, narrowed by `sourceAccount` or `principalOrgID`. */
function lambdaGrantees(use: CredentialUse): Grantee[] {
  if (param(use, "principalOrgID") !== undefined) return [];
  const principal = param(use, "principal");
  const sourceAccount = param(use, "sourceAccount");
  if (principal === undefined) return [];
  if (principal.endsWith(".amazonaws.com")) {
    return sourceAccount === undefined
      ? []
      : [{ account: sourceAccount, as: `${principal} for account ${sourceAccount}` }];
  }
  if (principal === "*") {
    return [
      sourceAccount === undefined
        ? { account: "*", as: "*" }
        : { account: sourceAccount, as: `* limited to ${sourceAccount}` },
    ];
  }
  return policyGrantees({ Statement: [{ Effect: "Allow", Principal: { AWS: principal } }] });
}

/** Accounts named by a list parameter (SQS/SNS AddPermission, RAM principals); organization ARNs are ours. */
function listedAccounts(...keys: string[]) {
  return (use: CredentialUse): Grantee[] => {
    const found: Grantee[] = [];
    for (const key of keys) {
      for (const entry of asList(use.requestParameters?.[key])) {
        if (typeof entry !== "string" || /:organizations::/.test(entry)) continue;
        found.push(...policyGrantees({ Statement: [{ Effect: "Allow", Principal: { AWS: entry } }] }));
      }
    }
    return found;
  };
}

function documentGrantees(read: (use: CredentialUse) => unknown) {
  return (use: CredentialUse): Grantee[] => {
    const document = read(use);
    return document === undefined || document === null ? [] : policyGrantees(document);
  };
}

const RULES: ReadonlyMap<string, SharingRule> = new Map(
  Object.entries({
    "ec2.amazonaws.com:ModifySnapshotAttribute": {
      what: named("EBS snapshot", "snapshotId"),
      grantees: (use) => ec2PermissionGrantees(use.requestParameters?.createVolumePermission),
    },
    "ec2.amazonaws.com:ModifyImageAttribute": {
      what: named("AMI", "imageId"),
      grantees: (use) => ec2PermissionGrantees(use.requestParameters?.launchPermission),
    },
    "rds.amazonaws.com:ModifyDBSnapshotAttribute": {
      what: named("RDS snapshot", "dBSnapshotIdentifier"),
      grantees: rdsGrantees,
    },
    "rds.amazonaws.com:ModifyDBClusterSnapshotAttribute": {
      what: named("RDS cluster snapshot", "dBClusterSnapshotIdentifier"),
      grantees: rdsGrantees,
    },
    "s3.amazonaws.com:PutBucketPolicy": {
      what: named("bucket", "bucketName"),
      grantees: documentGrantees(
        (use) => use.requestParameters?.bucketPolicy ?? use.requestParameters?.policy,
      ),
    },
    "s3.amazonaws.com:PutBucketAcl": { what: named("bucket", "bucketName"), grantees: aclGrantees },
    "s3.amazonaws.com:PutObjectAcl": {
      what: (use) => `object ${show(`${param(use, "bucketName") ?? "?"}/${param(use, "key") ?? "?"}`, 160)}`,
      grantees: aclGrantees,
    },
    "lambda.amazonaws.com:AddPermission": {
      what: named("function", "functionName"),
      grantees: lambdaGrantees,
    },
    "lambda.amazonaws.com:AddLayerVersionPermission": {
      what: named("layer", "layerName"),
      grantees: (use) => {
        const principal = param(use, "principal");
        if (principal === undefined || param(use, "organizationId") !== undefined) return [];
        return principal === "*" ? [{ account: "*", as: "*" }] : [{ account: principal, as: principal }];
      },
    },
    "secretsmanager.amazonaws.com:PutResourcePolicy": {
      what: named("secret", "secretId"),
      grantees: documentGrantees((use) => use.requestParameters?.resourcePolicy),
    },
    "kms.amazonaws.com:PutKeyPolicy": {
      what: named("KMS key", "keyId"),
      grantees: documentGrantees((use) => use.requestParameters?.policy),
    },
    "kms.amazonaws.com:CreateGrant": {
      what: named("KMS key", "keyId"),
      grantees: listedAccounts("granteePrincipal"),
    },
    "sqs.amazonaws.com:SetQueueAttributes": {
      what: named("queue", "queueUrl"),
      grantees: documentGrantees((use) => field(use.requestParameters?.attributes, "Policy")),
    },
    "sqs.amazonaws.com:AddPermission": {
      what: named("queue", "queueUrl"),
      grantees: listedAccounts("aWSAccountIds", "AWSAccountIds"),
    },
    "sns.amazonaws.com:SetTopicAttributes": {
      what: named("topic", "topicArn"),
      grantees: documentGrantees((use) =>
        param(use, "attributeName") === "Policy" ? use.requestParameters?.attributeValue : undefined,
      ),
    },
    "sns.amazonaws.com:AddPermission": {
      what: named("topic", "topicArn"),
      grantees: listedAccounts("aWSAccountId", "AWSAccountId"),
    },
    "ecr.amazonaws.com:SetRepositoryPolicy": {
      what: named("repository", "repositoryName"),
      grantees: documentGrantees((use) => use.requestParameters?.policyText),
    },
    "ram.amazonaws.com:CreateResourceShare": {
      what: (use) => `resource share ${show(param(use, "name") ?? "(not logged)", 120)}`,
      grantees: listedAccounts("principals"),
    },
    "ram.amazonaws.com:AssociateResourceShare": {
      what: named("resource share", "resourceShareArn"),
      grantees: listedAccounts("principals"),
    },
  }),
);

/** The sharing APIs this detection judges, by event source: the EventBridge rules deliver these. */
export const SHARING_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(RULES.keys());

/** Lambda logs its API version in the event name (`AddPermission20150331v2`); drop it. */
function ruleKey(use: CredentialUse): string {
  const name =
    use.eventSource === "lambda.amazonaws.com" ? use.eventName.replace(/\d{8}(v\d+)?$/, "") : use.eventName;
  return `${use.eventSource}:${name}`;
}

/**
 * `external-sharing`: a call shares data or access with someone outside the estate — an EBS
 * snapshot, AMI or RDS (cluster) snapshot made restorable by another account or by all; a bucket
 * policy, bucket or object ACL, secret, KMS key (policy or grant), queue, topic or repository policy
 * that lets another account or anyone in; a Lambda function or layer another account may invoke or
 * use; a RAM share with an outside principal. Outside means any account the config's `accounts`
 * does not list (without it, any account but the record's own); grants confined to an organization
 * or a VPC are inside. Denied attempts count, worded as attempts; a refused call logged without its
 * request (IAM, Lambda and RDS log them so) counts at {@link REFUSED_WEIGHT}: with whom is unknown. No deployer or console session is
 * exempt: sharing outside the estate is never routine.
 */
export const externalSharing: Detection = {
  id: "external-sharing",
  title: "Shared data or access outside the estate",
  weight: 40,
  attack: ["T1537", "T1098"],
  evaluate(use, ctx) {
    const rule = RULES.get(ruleKey(use));
    if (rule === undefined) return undefined;
    if (refusedUnlogged(use)) {
      return {
        id: "external-sharing",
        reason: describeCall(use, `would change who may use ${rule.what(use)}; with whom is not logged`),
        weight: REFUSED_WEIGHT,
      };
    }
    const outside = foreignGrantees(rule.grantees(use), use, ctx);
    if (outside.length === 0) return undefined;
    return {
      id: "external-sharing",
      reason: describeCall(use, `shares ${rule.what(use)} with ${describeGrantees(outside)}`),
    };
  },
};
