import type { CredentialUse } from "../event.ts";
import { actionOf, BurstWindow, listed } from "./burst-window.ts";
import { describeActor } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext, subjectKey } from "./detection.ts";

/** How far back recon calls count, and how long the detection stays quiet after firing. */
export const ACCOUNT_RECON_WINDOW_MS = 10 * 60_000;
/** Distinct recon actions (in at least two services) in the window that make a signal. */
export const ACCOUNT_RECON_THRESHOLD = 5;
/** Distinct sending-capability actions in the window that make a signal. */
export const SENDING_RECON_THRESHOLD = 3;

/**
 * Calls that answer "whose key is this and what is this account worth": identity and permissions,
 * the organization, the defenses in place, and the account's inventory. Workloads call one or two of
 * them; tools exploring a leaked key call many within minutes. Per-resource reads that deployments
 * make (DescribeInstances, DescribeVpcs, GetRole…) are not on the list.
 */
const SITUATIONAL: readonly string[] = [
  "sts.amazonaws.com:GetCallerIdentity",
  "iam.amazonaws.com:GetAccountSummary",
  "iam.amazonaws.com:GetAccountAuthorizationDetails",
  "iam.amazonaws.com:GetAccountPasswordPolicy",
  "iam.amazonaws.com:GetCredentialReport",
  "iam.amazonaws.com:GetUser",
  "iam.amazonaws.com:ListAccessKeys",
  "iam.amazonaws.com:ListAccountAliases",
  "iam.amazonaws.com:ListAttachedRolePolicies",
  "iam.amazonaws.com:ListAttachedUserPolicies",
  "iam.amazonaws.com:ListGroups",
  "iam.amazonaws.com:ListGroupsForUser",
  "iam.amazonaws.com:ListInstanceProfiles",
  "iam.amazonaws.com:ListMFADevices",
  "iam.amazonaws.com:ListOpenIDConnectProviders",
  "iam.amazonaws.com:ListPolicies",
  "iam.amazonaws.com:ListRolePolicies",
  "iam.amazonaws.com:ListRoles",
  "iam.amazonaws.com:ListSAMLProviders",
  "iam.amazonaws.com:ListUserPolicies",
  "iam.amazonaws.com:ListUsers",
  "iam.amazonaws.com:SimulatePrincipalPolicy",
  "organizations.amazonaws.com:DescribeOrganization",
  "organizations.amazonaws.com:ListAccounts",
  "cloudtrail.amazonaws.com:DescribeTrails",
  "cloudtrail.amazonaws.com:GetTrailStatus",
  "cloudtrail.amazonaws.com:ListTrails",
  "cloudtrail.amazonaws.com:GetEventSelectors",
  "guardduty.amazonaws.com:ListDetectors",
  "guardduty.amazonaws.com:GetDetector",
  "securityhub.amazonaws.com:DescribeHub",
  "config.amazonaws.com:DescribeConfigurationRecorders",
  "access-analyzer.amazonaws.com:ListAnalyzers",
  "s3.amazonaws.com:ListBuckets",
  "ec2.amazonaws.com:DescribeRegions",
  "ec2.amazonaws.com:DescribeSnapshots",
  "lambda.amazonaws.com:ListFunctions20150331",
  "secretsmanager.amazonaws.com:ListSecrets",
  "ssm.amazonaws.com:DescribeParameters",
  "ssm.amazonaws.com:DescribeInstanceInformation",
  "dynamodb.amazonaws.com:ListTables",
  "rds.amazonaws.com:DescribeDBInstances",
  "kms.amazonaws.com:ListKeys",
  "ecr.amazonaws.com:DescribeRepositories",
  "eks.amazonaws.com:ListClusters",
];

/** Calls that check whether the account can send email or SMS: what spam runs on a leaked key look at first. */
const SENDING: readonly string[] = [
  "ses.amazonaws.com:GetSendQuota",
  "ses.amazonaws.com:GetAccountSendingEnabled",
  "ses.amazonaws.com:GetSendStatistics",
  "ses.amazonaws.com:ListIdentities",
  "ses.amazonaws.com:ListVerifiedEmailAddresses",
  "ses.amazonaws.com:GetIdentityVerificationAttributes",
  "ses.amazonaws.com:GetIdentityDkimAttributes",
  "ses.amazonaws.com:GetAccount",
  "ses.amazonaws.com:ListEmailIdentities",
  "sns.amazonaws.com:GetSMSAttributes",
  "sns.amazonaws.com:GetSMSSandboxAccountStatus",
  "sns.amazonaws.com:ListOriginationNumbers",
];

const KINDS: ReadonlyMap<string, "situational" | "sending"> = new Map([
  ...SITUATIONAL.map((k) => [k, "situational"] as const),
  ...SENDING.map((k) => [k, "sending"] as const),
]);

/** The recon calls this detection counts, by event source: the EventBridge rules deliver these. */
export const ACCOUNT_RECON_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(KINDS.keys());

const situational = new BurstWindow("account-recon", ACCOUNT_RECON_WINDOW_MS);
const sending = new BurstWindow("account-recon-sending", ACCOUNT_RECON_WINDOW_MS);

function kindOf(use: CredentialUse): "situational" | "sending" | undefined {
  if (use.errorCode !== undefined || use.fromConsole) return undefined;
  return KINDS.get(`${use.eventSource}:${use.eventName}`);
}

/** The recon actions of the window if `use` completes a signal, else undefined. */
function reconOf(use: CredentialUse, ctx: DetectionContext, kind: "situational" | "sending") {
  const action = actionOf(use.eventSource, use.eventName);
  const window = kind === "sending" ? sending : situational;
  const view = window.view(ctx.baselines, subjectKey(use), action, use.eventTime);
  if (view.cooling) return undefined;
  if (kind === "sending") return view.items.length >= SENDING_RECON_THRESHOLD ? view.items : undefined;
  const services = new Set(view.items.map((a) => a.slice(0, a.indexOf(":"))));
  return view.items.length >= ACCOUNT_RECON_THRESHOLD && services.size >= 2 ? view.items : undefined;
}

/**
 * `account-recon`: a credential successfully answers "whose key is this and what is this account
 * worth" — {@link ACCOUNT_RECON_THRESHOLD} or more distinct calls about identities, permissions, the
 * organization, the defenses and the inventory (in two services or more), or
 * {@link SENDING_RECON_THRESHOLD} checks of the account's email and SMS sending, within ten minutes.
 * That is how tools explore a leaked key, and workloads do not do it. Denied calls are
 * `recon-burst`'s; console sessions are left out (console pages make these calls). It fires during
 * the learning period too, then stays quiet for ten minutes.
 */
export const accountRecon: Detection = {
  id: "account-recon",
  title: "Enumerates the account's identities, defenses or sending limits",
  weight: 22,
  attack: ["T1087.004", "T1069.003", "T1580", "T1526"],
  evaluate(use, ctx) {
    const kind = kindOf(use);
    if (kind === undefined) return undefined;
    const actions = reconOf(use, ctx, kind);
    if (actions === undefined) return undefined;
    const what =
      kind === "sending"
        ? "checks of the account's email and SMS sending"
        : "calls enumerating the account's identities, defenses and inventory";
    return {
      id: "account-recon",
      reason: `${actions.length} ${what} by ${describeActor(use)} within 10 minutes (${listed(actions)})`,
    };
  },
  learn(use, ctx) {
    const kind = kindOf(use);
    if (kind === undefined) return;
    const fired = reconOf(use, ctx, kind) !== undefined;
    const window = kind === "sending" ? sending : situational;
    window.add(
      ctx.baselines,
      subjectKey(use),
      actionOf(use.eventSource, use.eventName),
      use.eventTime,
      fired,
    );
  },
};
