import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { field } from "../policy-document.ts";
import { describeActor, failure, refusedUnlogged } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext } from "./detection.ts";
import { expectedChange } from "./expected-change.ts";

/** One monitoring-weakening call: what it does, which request fields name its target, and when it counts. */
interface TamperRule {
  /** What the call does; a function when the request says how it weakens monitoring. */
  readonly effect: string | ((use: CredentialUse) => string);
  /** Request parameters naming the trail, detector, recorder… as `[key, label]`. */
  readonly names?: readonly (readonly [string, string])[];
  /** A target description for requests that nest it; overrides `names`. */
  readonly target?: (use: CredentialUse) => string | undefined;
  /** When set, the call only counts if this holds (e.g. UpdateDetector with `enable: false`). */
  readonly when?: (use: CredentialUse, ctx: DetectionContext) => boolean;
  /**
   * Deleting an application's own log group is what a stack deletion does: such calls stay quiet for
   * declared deployers, CloudFormation and the console.
   */
  readonly routine?: boolean;
}

const MAX_LISTED = 5;

/** Shows a string or a list of strings, the list cut after a few entries. */
function showValues(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return show(value, 160);
  if (!Array.isArray(value)) return undefined;
  const items = value.filter((v): v is string => typeof v === "string");
  if (items.length === 0) return undefined;
  const listed = items.slice(0, MAX_LISTED).map((v) => show(v, 160));
  return items.length > MAX_LISTED
    ? `${listed.join(", ")} and ${items.length - MAX_LISTED} more`
    : listed.join(", ");
}

function describeTarget(use: CredentialUse, rule: TamperRule): string | undefined {
  if (rule.target !== undefined) return rule.target(use);
  const parts: string[] = [];
  for (const [key, label] of rule.names ?? []) {
    const shown = showValues(use.requestParameters?.[key]);
    if (shown !== undefined) parts.push(`${label} ${shown}`);
  }
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** EC2 logs `DeleteFlowLogsRequest.FlowLogId` as `{content}` or a list of them. */
function flowLogIds(use: CredentialUse): string | undefined {
  const ids = field(use.requestParameters?.DeleteFlowLogsRequest, "FlowLogId");
  const list = Array.isArray(ids) ? ids : [ids];
  const shown = showValues(list.map((id) => (typeof id === "string" ? id : field(id, "content"))));
  return shown === undefined ? undefined : `flow logs ${shown}`;
}

/** PutBucketLogging without a `LoggingEnabled` element turns server access logging off. */
function loggingTurnedOff(use: CredentialUse): boolean {
  const status = use.requestParameters?.BucketLoggingStatus;
  if (status === "") return true;
  if (typeof status !== "object" || status === null || Array.isArray(status)) return false;
  const enabled = field(status, "LoggingEnabled");
  return enabled === undefined || enabled === null || enabled === "";
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function flag(value: unknown): boolean | undefined {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/** Reads a field in either casing (`fieldSelectors` or `FieldSelectors`). */
function either(value: unknown, camel: string): unknown {
  return field(value, camel) ?? field(value, camel.charAt(0).toUpperCase() + camel.slice(1));
}

/**
 * How a PutEventSelectors request leaves a trail recording fewer management events than all of them
 * (read and write, every event source), or undefined when it records them all (turning recording
 * on or adding data events is not tampering) or the request was not logged.
 */
function selectorsWeakening(use: CredentialUse): string | undefined {
  const params = use.requestParameters;
  const basic = params?.eventSelectors ?? params?.EventSelectors;
  const advanced = params?.advancedEventSelectors ?? params?.AdvancedEventSelectors;
  if (Array.isArray(advanced)) return advancedWeakening(advanced);
  if (!Array.isArray(basic)) return undefined;
  const management = basic.filter((s) => flag(either(s, "includeManagementEvents")) !== false);
  if (management.length === 0) return "stops recording management events";
  const excluded = management.flatMap((s) => asList(either(s, "excludeManagementEventSources")));
  const full = management.some((s) => {
    const readWrite = either(s, "readWriteType");
    return readWrite === undefined || readWrite === "All";
  });
  if (!full) {
    const only = either(management[0], "readWriteType");
    return only === "WriteOnly"
      ? "stops recording read-only management events"
      : "stops recording write management events";
  }
  if (excluded.length > 0) return `stops recording management events of ${showValues(excluded)}`;
  return undefined;
}

function advancedWeakening(selectors: readonly unknown[]): string | undefined {
  let partial: string | undefined;
  for (const selector of selectors) {
    const fields = asList(either(selector, "fieldSelectors"));
    const category = fields.find((f) => either(f, "field") === "eventCategory");
    if (!asList(either(category, "equals")).includes("Management")) continue;
    const readOnly = fields.find((f) => either(f, "field") === "readOnly");
    const sources = fields.find((f) => either(f, "field") === "eventSource");
    const excluded = asList(either(sources, "notEquals"));
    if (readOnly === undefined && excluded.length === 0) return undefined;
    partial ??=
      readOnly !== undefined
        ? `records only management events with readOnly ${showValues(either(readOnly, "equals"))}`
        : `stops recording management events of ${showValues(excluded)}`;
  }
  return partial ?? "stops recording management events";
}

/** The weakening settings of an UpdateTrail request, or undefined when it weakens nothing. */
function trailWeakening(use: CredentialUse): string | undefined {
  const p = use.requestParameters;
  const parts: string[] = [];
  if (flag(p?.isMultiRegionTrail) === false) parts.push("stops recording other regions");
  if (flag(p?.includeGlobalServiceEvents) === false) parts.push("stops recording global services (IAM, STS)");
  if (flag(p?.enableLogFileValidation) === false) parts.push("turns log file validation off");
  if (p?.cloudWatchLogsLogGroupArn === "") parts.push("stops delivering to CloudWatch Logs");
  if (p?.kmsKeyId === "") parts.push("stops encrypting log files");
  const bucket = typeof p?.s3BucketName === "string" ? p.s3BucketName : undefined;
  if (bucket !== undefined) parts.push(`delivers log files to bucket ${show(bucket, 80)}`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** Days after which an enabled lifecycle rule expires current objects, the shortest; undefined if none. */
function expirationDays(use: CredentialUse): number | undefined {
  const config = either(use.requestParameters, "lifecycleConfiguration");
  let shortest: number | undefined;
  for (const rule of asList(either(config, "rule"))) {
    if (either(rule, "status") !== "Enabled") continue;
    const days = Number(either(either(rule, "expiration"), "days"));
    if (Number.isFinite(days) && (shortest === undefined || days < shortest)) shortest = days;
  }
  return shortest;
}

/** Lifecycle expirations within this many days make a trail bucket lose its history. */
export const TRAIL_RETENTION_DAYS = 30;
const TRAIL_BUCKETS = "logging-tampering-trail-buckets";
/** Most trail buckets remembered per account (accounts have a handful of trails). */
const MAX_TRAIL_BUCKETS = 50;
const TRAIL_NAME = /cloudtrail|(^|[-_.])trail([-_.]|s?$)|audit/i;

/** The buckets trails of an account deliver to, as learned from CreateTrail and UpdateTrail. */
type TrailBuckets = Record<string, 1>;

function isTrailBucket(bucket: string, use: CredentialUse, ctx: DetectionContext): boolean {
  const learned = ctx.baselines.get<TrailBuckets>(TRAIL_BUCKETS, use.accountId ?? "*");
  return learned?.[bucket] === 1 || TRAIL_NAME.test(bucket);
}

const trail: TamperRule["names"] = [
  ["name", "trail"],
  ["trailName", "trail"],
];
const eventDataStore: TamperRule["names"] = [["eventDataStore", "event data store"]];
const detector: TamperRule["names"] = [["detectorId", "detector"]];
const members: TamperRule["names"] = [
  ["detectorId", "detector"],
  ["accountIds", "accounts"],
];
const newIpSet: TamperRule["names"] = [
  ["name", "IP set"],
  ["detectorId", "detector"],
];
const ipSet: TamperRule["names"] = [
  ["ipSetId", "IP set"],
  ["detectorId", "detector"],
];
const recorder: TamperRule["names"] = [["configurationRecorderName", "recorder"]];

const RULES: ReadonlyMap<string, TamperRule> = new Map(
  Object.entries({
    "cloudtrail.amazonaws.com:StopLogging": { effect: "stops CloudTrail logging", names: trail },
    "cloudtrail.amazonaws.com:DeleteTrail": { effect: "deletes a trail", names: trail },
    "cloudtrail.amazonaws.com:UpdateTrail": {
      effect: (use) => trailWeakening(use) ?? "changes a trail's settings (not logged)",
      names: trail,
      when: (use) => refusedUnlogged(use) || trailWeakening(use) !== undefined,
    },
    "cloudtrail.amazonaws.com:PutEventSelectors": {
      effect: (use) => selectorsWeakening(use) ?? "changes which events a trail records (not logged)",
      names: trail,
      when: (use) => refusedUnlogged(use) || selectorsWeakening(use) !== undefined,
    },
    "cloudtrail.amazonaws.com:PutInsightSelectors": {
      effect: "turns a trail's Insights off",
      names: trail,
      when: (use) => {
        const selectors = use.requestParameters?.insightSelectors;
        return Array.isArray(selectors) && selectors.length === 0;
      },
    },
    "cloudtrail.amazonaws.com:DeleteEventDataStore": {
      effect: "deletes a CloudTrail Lake event data store",
      names: eventDataStore,
    },
    "cloudtrail.amazonaws.com:StopEventDataStoreIngestion": {
      effect: "stops event data store ingestion",
      names: eventDataStore,
    },
    "guardduty.amazonaws.com:DeleteDetector": { effect: "deletes the GuardDuty detector", names: detector },
    "guardduty.amazonaws.com:UpdateDetector": {
      effect: "disables the GuardDuty detector",
      names: detector,
      when: (use) => {
        const enable = use.requestParameters?.enable;
        return enable === false || enable === "false";
      },
    },
    "guardduty.amazonaws.com:DisassociateFromMasterAccount": {
      effect: "leaves the GuardDuty administrator account",
      names: detector,
    },
    "guardduty.amazonaws.com:DisassociateFromAdministratorAccount": {
      effect: "leaves the GuardDuty administrator account",
      names: detector,
    },
    "guardduty.amazonaws.com:DeleteMembers": { effect: "removes GuardDuty member accounts", names: members },
    "guardduty.amazonaws.com:StopMonitoringMembers": {
      effect: "stops GuardDuty monitoring of members",
      names: members,
    },
    "guardduty.amazonaws.com:CreateFilter": {
      effect: "auto-archives GuardDuty findings",
      names: [
        ["name", "filter"],
        ["detectorId", "detector"],
      ],
      when: (use) => {
        const action = use.requestParameters?.action;
        return typeof action === "string" && action.toUpperCase() === "ARCHIVE";
      },
    },
    "guardduty.amazonaws.com:CreateIPSet": { effect: "adds a GuardDuty trusted IP list", names: newIpSet },
    "guardduty.amazonaws.com:UpdateIPSet": { effect: "changes a GuardDuty trusted IP list", names: ipSet },
    "config.amazonaws.com:StopConfigurationRecorder": {
      effect: "stops the Config recorder",
      names: recorder,
    },
    "config.amazonaws.com:DeleteConfigurationRecorder": {
      effect: "deletes the Config recorder",
      names: recorder,
    },
    "config.amazonaws.com:DeleteDeliveryChannel": {
      effect: "deletes the Config delivery channel",
      names: [["deliveryChannelName", "delivery channel"]],
    },
    "config.amazonaws.com:DeleteConfigRule": {
      effect: "deletes a Config rule",
      names: [["configRuleName", "rule"]],
    },
    "ec2.amazonaws.com:DeleteFlowLogs": { effect: "deletes VPC flow logs", target: flowLogIds },
    "securityhub.amazonaws.com:DisableSecurityHub": { effect: "disables Security Hub" },
    "securityhub.amazonaws.com:BatchDisableStandards": {
      effect: "disables Security Hub standards",
      names: [["StandardsSubscriptionArns", "standards"]],
    },
    "access-analyzer.amazonaws.com:DeleteAnalyzer": {
      effect: "deletes an IAM Access Analyzer analyzer",
      names: [["analyzerName", "analyzer"]],
    },
    "logs.amazonaws.com:DeleteLogGroup": {
      effect: "deletes a log group",
      names: [["logGroupName", "log group"]],
      routine: true,
    },
    "route53resolver.amazonaws.com:DeleteResolverQueryLogConfig": {
      effect: "deletes a Route 53 Resolver DNS query logging configuration",
      names: [["resolverQueryLogConfigId", "configuration"]],
    },
    "route53resolver.amazonaws.com:DisassociateResolverQueryLogConfig": {
      effect: "stops DNS query logging for a VPC",
      names: [
        ["resolverQueryLogConfigId", "configuration"],
        ["resourceId", "VPC"],
      ],
    },
    "organizations.amazonaws.com:LeaveOrganization": {
      effect: "takes the account out of its organization (and out of its guardrails and central logging)",
    },
    "s3.amazonaws.com:PutBucketLifecycle": {
      effect: (use) => `expires the objects of a trail bucket after ${expirationDays(use)} day(s)`,
      names: [["bucketName", "bucket"]],
      when: (use, ctx) => {
        const days = expirationDays(use);
        const bucket = param(use, "bucketName");
        return (
          days !== undefined &&
          days <= TRAIL_RETENTION_DAYS &&
          bucket !== undefined &&
          isTrailBucket(bucket, use, ctx)
        );
      },
    },
    "s3.amazonaws.com:PutBucketLogging": {
      effect: "turns off S3 server access logging",
      names: [["bucketName", "bucket"]],
      when: loggingTurnedOff,
    },
  }),
);

/** The monitoring APIs this detection judges, by event source: the EventBridge rules deliver these. */
export const TAMPERING_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(RULES.keys());

/**
 * `logging-tampering`: a call that stops, deletes or weakens monitoring (CloudTrail trails, their
 * event selectors and settings, Insights, event data stores; GuardDuty, Config, flow logs, Security
 * Hub, Access Analyzer, log groups, S3 access logs, Route 53 Resolver query logs), takes the account
 * out of its organization, or makes a trail bucket expire its log files within
 * {@link TRAIL_RETENTION_DAYS} days (a trail bucket: one a trail was seen delivering to, or named like
 * one), by any credential. Changes that turn recording on are not tampering. Denied attempts count
 * too, worded as attempts; the reason names the trail, detector or recorder when the request carries
 * it. Only log-group deletions (what deleting a stack does) stay quiet for deployers, CloudFormation
 * and the console.
 */
export const loggingTampering: Detection = {
  id: "logging-tampering",
  title: "Monitoring stopped, deleted or weakened",
  weight: 40,
  attack: ["T1562.008", "T1562.001", "T1666"],
  evaluate(use, ctx) {
    const rule = RULES.get(`${use.eventSource}:${use.eventName}`);
    if (rule === undefined || (rule.when !== undefined && !rule.when(use, ctx))) return undefined;
    if (rule.routine === true && expectedChange(use, ctx) !== undefined) return undefined;
    const target = describeTarget(use, rule);
    const api = `${use.eventSource.replace(/\.amazonaws\.com$/, "")}:${use.eventName}`;
    const effect = typeof rule.effect === "string" ? rule.effect : rule.effect(use);
    const what = target === undefined ? effect : `${effect}: ${target}`;
    const reason =
      use.errorCode === undefined
        ? `${describeActor(use)} called ${api} (${what})`
        : `${describeActor(use)} attempted ${api} (${what}), ${failure(use.errorCode)}`;
    return { id: "logging-tampering", reason };
  },
  learn(use, ctx) {
    if (use.eventSource !== "cloudtrail.amazonaws.com" || use.errorCode !== undefined) return;
    if (use.eventName !== "CreateTrail" && use.eventName !== "UpdateTrail") return;
    const bucket = param(use, "s3BucketName");
    if (bucket === undefined) return;
    const key = use.accountId ?? "*";
    const known = ctx.baselines.get<TrailBuckets>(TRAIL_BUCKETS, key);
    if (known?.[bucket] === 1 || Object.keys(known ?? {}).length >= MAX_TRAIL_BUCKETS) return;
    ctx.baselines.set<TrailBuckets>(TRAIL_BUCKETS, key, { ...known, [bucket]: 1 });
  },
};
