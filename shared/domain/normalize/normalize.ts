import { createHash } from "node:crypto";
import type { z } from "zod";
import { show } from "../errors.ts";
import type { CredentialRef, CredentialUse, Principal, RecordOrigin, UseSource } from "../event.ts";
import { parseEventTime } from "./event-time.ts";
import { type CloudTrailRecord, cloudTrailRecordSchema } from "./record-schema.ts";

/** The EventBridge `detail-type` values that carry a CloudTrail record in `detail`. */
export const CLOUDTRAIL_DETAIL_TYPES = [
  "AWS API Call via CloudTrail",
  "AWS Console Signin via CloudTrail",
] as const;

/** What normalizing one record gave: a credential use, a record that is valid but not one, or a reason. */
export type NormalizeResult =
  | { readonly kind: "use"; readonly use: CredentialUse }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "rejected"; readonly error: string };

const IP_V4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IP_V6 = /^[0-9a-fA-F:.]+$/;

/**
 * Turns one parsed JSON value (a CloudTrail record or an EventBridge event wrapping one) into the
 * normalized credential-use shape. Never throws: a value that cannot be used comes back `rejected`
 * with a specific reason; a valid record with no machine credential behind it (an AWS service acting
 * on its own) comes back `ignored`.
 */
export function normalizeRecord(value: unknown, origin?: RecordOrigin): NormalizeResult {
  const unwrapped = unwrapEventBridge(value);
  if (typeof unwrapped === "string") return { kind: "rejected", error: unwrapped };
  const foreign = notCloudTrail(unwrapped as Record<string, unknown>);
  if (foreign !== undefined) return { kind: "rejected", error: foreign };
  const parsed = cloudTrailRecordSchema.safeParse(unwrapped);
  if (!parsed.success) return { kind: "rejected", error: describeIssue(parsed.error, unwrapped) };
  const record = parsed.data;
  const eventTime = parseEventTime(record.eventTime);
  if (eventTime === undefined) {
    return {
      kind: "rejected",
      error: `eventTime ${show(record.eventTime)} is not an ISO 8601 time such as "2024-05-01T12:00:00Z"`,
    };
  }
  const principal = principalOf(record);
  if (principal === undefined) {
    return {
      kind: "ignored",
      reason: `no credential behind a ${record.userIdentity.type ?? "typeless"} identity`,
    };
  }
  const credential = credentialOf(record, principal);
  const use: CredentialUse = {
    eventId: record.eventID ?? syntheticEventId(record),
    eventTime,
    eventSource: record.eventSource,
    eventName: record.eventName,
    eventType: record.eventType,
    readOnly: typeof record.readOnly === "string" ? record.readOnly === "true" : record.readOnly,
    region: record.awsRegion,
    accountId: record.recipientAccountId ?? record.userIdentity.accountId,
    principal,
    credential,
    session: sessionOf(record),
    mfaUsed: mfaUsedOf(record),
    source: sourceOf(record),
    userAgent: record.userAgent,
    errorCode: errorOf(record),
    requestParameters: record.requestParameters ?? undefined,
    responseElements: record.responseElements ?? undefined,
    secretIds: secretIdsOf(record),
    origin,
  };
  return { kind: "use", use };
}

function unwrapEventBridge(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    return `expected a CloudTrail record (a JSON object), got ${got}: ${show(value, 40)}`;
  }
  const detailType = (value as Record<string, unknown>)["detail-type"];
  if (detailType === undefined) return value;
  if (!(CLOUDTRAIL_DETAIL_TYPES as readonly unknown[]).includes(detailType)) {
    return `EventBridge event with detail-type ${show(detailType)} carries no CloudTrail record; vigil reads "${CLOUDTRAIL_DETAIL_TYPES.join('" and "')}"`;
  }
  const detail = (value as Record<string, unknown>).detail;
  if (typeof detail !== "object" || detail === null) {
    return `EventBridge event ${show((value as Record<string, unknown>).id)} has no "detail" object`;
  }
  return detail;
}

const REQUIRED = ["eventTime", "eventSource", "eventName", "userIdentity"] as const;

/** Names an object that has none of the required fields: some other JSON, not a broken record. */
function notCloudTrail(value: Record<string, unknown>): string | undefined {
  for (const key of REQUIRED) if (key in value) return undefined;
  const keys = Object.keys(value);
  const shown = keys
    .slice(0, 5)
    .map((k) => show(k, 30))
    .join(", ");
  const more = keys.length > 5 ? `, … (${keys.length} keys)` : "";
  return `not a CloudTrail record: none of ${REQUIRED.join(", ")} is present (its keys: ${shown || "none"}${more})`;
}

function describeIssue(error: z.ZodError, value: unknown): string {
  const issue = error.issues[0];
  if (issue === undefined) return "record does not match the CloudTrail shape";
  const path = issue.path.join(".");
  let bad: unknown = value;
  for (const key of issue.path) bad = (bad as Record<PropertyKey, unknown> | undefined)?.[key];
  const field = path === "" ? "record" : path;
  const message = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  return bad === undefined ? message : `${message} (got ${show(bad, 40)})`;
}

function principalOf(record: CloudTrailRecord): Principal | undefined {
  const id = record.userIdentity;
  const type = id.type ?? "Unknown";
  const issuer = id.sessionContext?.sessionIssuer?.arn;
  const accountId = id.accountId;
  if (type === "AWSService" || (type === "AWSAccount" && id.arn === undefined)) return undefined;
  let arn = issuer ?? id.arn;
  if (arn === undefined && type === "Root" && accountId !== undefined) arn = `arn:aws:iam::${accountId}:root`;
  if (arn === undefined && id.userName !== undefined && accountId !== undefined) {
    arn = `arn:aws:iam::${accountId}:user/${id.userName}`;
  }
  if (arn === undefined) arn = id.principalId ?? id.accessKeyId;
  if (arn === undefined) return undefined;
  const sessionName =
    issuer !== undefined && id.arn !== undefined ? id.arn.slice(id.arn.lastIndexOf("/") + 1) : undefined;
  return { type, arn, callerArn: id.arn, accountId, sessionName, invokedBy: id.invokedBy };
}

function credentialOf(record: CloudTrailRecord, principal: Principal): CredentialRef {
  const key = record.userIdentity.accessKeyId || undefined;
  if (principal.type === "Root") return { kind: "root", id: principal.arn, accessKeyId: key };
  if (record.eventName === "ConsoleLogin") return { kind: "console", id: principal.arn };
  if (key?.startsWith("AKIA")) return { kind: "access-key", id: key };
  if (key?.startsWith("ASIA") || principal.type === "AssumedRole" || principal.type === "FederatedUser") {
    return { kind: "role-session", id: principal.arn, accessKeyId: key };
  }
  if (key !== undefined) return { kind: "access-key", id: key };
  return { kind: "console", id: principal.arn };
}

function sessionOf(record: CloudTrailRecord): CredentialUse["session"] {
  const ctx = record.userIdentity.sessionContext;
  if (ctx === undefined) return undefined;
  const created = ctx.attributes?.creationDate;
  const mfa = ctx.attributes?.mfaAuthenticated;
  return {
    issuedAt: created === undefined ? undefined : parseEventTime(created),
    mfa: mfa === undefined ? undefined : mfa === true || mfa === "true",
    sourceIdentity: ctx.sourceIdentity,
    ec2RoleDelivery: ctx.ec2RoleDelivery,
  };
}

/**
 * Whether a console sign-in used MFA. Logged as "Yes", "YES" or "No"; a SAML sign-in says nothing
 * useful (MFA happens at the identity provider), so it is undefined there.
 */
function mfaUsedOf(record: CloudTrailRecord): boolean | undefined {
  const data = record.additionalEventData;
  const used = data?.MFAUsed;
  if (typeof used !== "string" || data?.SamlProviderArn !== undefined) return undefined;
  return used.toLowerCase() === "yes";
}

function sourceOf(record: CloudTrailRecord): UseSource {
  const raw = record.sourceIPAddress;
  const vpcEndpointId = record.vpcEndpointId || undefined;
  const invokedBy = record.userIdentity.invokedBy;
  if (raw === undefined || raw === "") {
    return invokedBy === undefined
      ? { kind: "unknown", vpcEndpointId }
      : { kind: "aws-service", service: invokedBy, vpcEndpointId };
  }
  if (raw === "AWS Internal") return { kind: "aws-internal", vpcEndpointId };
  if (raw.endsWith(".amazonaws.com") || raw.endsWith(".aws.internal")) {
    return { kind: "aws-service", service: raw, vpcEndpointId };
  }
  if (IP_V4.test(raw) || (raw.includes(":") && IP_V6.test(raw)))
    return { kind: "ip", ip: raw, vpcEndpointId };
  return { kind: "unknown", vpcEndpointId };
}

function errorOf(record: CloudTrailRecord): string | undefined {
  if (record.errorCode) return record.errorCode;
  const outcome = record.responseElements?.ConsoleLogin;
  return outcome === "Failure" ? "Failed authentication" : undefined;
}

function secretIdsOf(record: CloudTrailRecord): string[] {
  if (record.eventSource !== "secretsmanager.amazonaws.com") return [];
  const ids: string[] = [];
  const params = record.requestParameters ?? {};
  if (typeof params.secretId === "string") ids.push(params.secretId);
  if (Array.isArray(params.secretIdList)) {
    for (const id of params.secretIdList) if (typeof id === "string") ids.push(id);
  }
  const response = record.responseElements ?? {};
  for (const key of ["arn", "aRN", "ARN"]) {
    const arn = response[key];
    if (typeof arn === "string" && !ids.includes(arn)) ids.push(arn);
  }
  return ids;
}

function syntheticEventId(record: CloudTrailRecord): string {
  const basis = [
    record.eventTime,
    record.eventSource,
    record.eventName,
    record.userIdentity.arn ?? "",
    record.sourceIPAddress ?? "",
  ];
  return `synthetic-${createHash("sha256").update(basis.join("\u0000")).digest("hex").slice(0, 32)}`;
}
