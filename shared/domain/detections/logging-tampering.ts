import { show } from "../errors.ts";
import type { CredentialUse } from "../event.ts";
import { field } from "../policy-document.ts";
import { describeActor, failure } from "./describe.ts";
import { apisBySource, type Detection } from "./detection.ts";

/** One monitoring-weakening call: what it does, which request fields name its target, and when it counts. */
interface TamperRule {
  readonly effect: string;
  /** Request parameters naming the trail, detector, recorder… as `[key, label]`. */
  readonly names?: readonly (readonly [string, string])[];
  /** A target description for requests that nest it; overrides `names`. */
  readonly target?: (use: CredentialUse) => string | undefined;
  /** When set, the call only counts if this holds (e.g. UpdateDetector with `enable: false`). */
  readonly when?: (use: CredentialUse) => boolean;
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
    "cloudtrail.amazonaws.com:UpdateTrail": { effect: "changes a trail's settings", names: trail },
    "cloudtrail.amazonaws.com:PutEventSelectors": {
      effect: "changes which events a trail records",
      names: trail,
    },
    "cloudtrail.amazonaws.com:PutInsightSelectors": {
      effect: "changes a trail's Insights selectors",
      names: trail,
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
 * `logging-tampering`: a call that stops, deletes or weakens monitoring (CloudTrail, GuardDuty,
 * Config, flow logs, Security Hub, Access Analyzer, log groups, S3 access logs), by any credential.
 * Denied attempts count too, worded as attempts; the reason names the trail, detector or recorder
 * when the request carries it.
 */
export const loggingTampering: Detection = {
  id: "logging-tampering",
  title: "Monitoring stopped, deleted or weakened",
  weight: 35,
  evaluate(use) {
    const rule = RULES.get(`${use.eventSource}:${use.eventName}`);
    if (rule === undefined || (rule.when !== undefined && !rule.when(use))) return undefined;
    const target = describeTarget(use, rule);
    const api = `${use.eventSource.replace(/\.amazonaws\.com$/, "")}:${use.eventName}`;
    const what = target === undefined ? rule.effect : `${rule.effect}: ${target}`;
    const reason =
      use.errorCode === undefined
        ? `${describeActor(use)} called ${api} (${what})`
        : `${describeActor(use)} attempted ${api} (${what}), ${failure(use.errorCode)}`;
    return { id: "logging-tampering", reason };
  },
};
