import { createHash } from "node:crypto";
import type * as z from "zod";
import { show } from "../errors.ts";
import type {
  CredentialRef,
  CredentialUse,
  Principal,
  RecordOrigin,
  SecretScope,
  UseSource,
} from "../event.ts";
import { parseEventTime } from "./event-time.ts";
import { object, requiredFieldsSchema, text } from "./record-schema.ts";

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
  const foreign = notCloudTrail(unwrapped);
  if (foreign !== undefined) return { kind: "rejected", error: foreign };
  const parsed = requiredFieldsSchema.safeParse(unwrapped);
  if (!parsed.success) return { kind: "rejected", error: describeIssue(parsed.error, unwrapped) };
  const { eventSource, eventName, userIdentity } = parsed.data;
  const eventTime = parseEventTime(parsed.data.eventTime);
  if (eventTime === undefined) {
    return {
      kind: "rejected",
      error: `eventTime ${show(parsed.data.eventTime)} is not an ISO 8601 time such as "2024-05-01T12:00:00Z"`,
    };
  }
  const record = { raw: unwrapped, identity: userIdentity, eventSource, eventName };
  const principal = principalOf(record);
  if (principal === undefined) {
    return {
      kind: "ignored",
      reason: `no credential behind a ${text(userIdentity.type) ?? "typeless"} identity`,
    };
  }
  const raw = unwrapped;
  const readOnly = raw.readOnly;
  const credential = credentialOf(record, principal);
  const userAgent = text(raw.userAgent);
  const use: CredentialUse = {
    eventId: text(raw.eventID) ?? syntheticEventId(parsed.data.eventTime, record),
    eventTime,
    eventSource,
    eventName,
    eventType: text(raw.eventType),
    readOnly:
      typeof readOnly === "string"
        ? readOnly === "true"
        : typeof readOnly === "boolean"
          ? readOnly
          : undefined,
    region: text(raw.awsRegion),
    accountId: text(raw.recipientAccountId) ?? text(userIdentity.accountId),
    principal,
    credential,
    session: sessionOf(userIdentity),
    mfaUsed: mfaUsedOf(raw),
    source: sourceOf(record),
    userAgent,
    errorCode: errorOf(raw),
    requestParameters: object(raw.requestParameters),
    responseElements: object(raw.responseElements),
    secretIds: secretIdsOf(record),
    secretScopes: secretScopesOf(record),
    fromConsole: fromConsoleOf(raw, credential, userAgent),
    origin,
  };
  return { kind: "use", use };
}

/** A record whose required fields are valid; optional ones are read from `raw` leniently. */
interface CheckedRecord {
  readonly raw: JsonObject;
  readonly identity: JsonObject;
  readonly eventSource: string;
  readonly eventName: string;
}

type JsonObject = Readonly<Record<string, unknown>>;

function unwrapEventBridge(value: unknown): JsonObject | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    return `expected a CloudTrail record (a JSON object), got ${got}: ${show(value, 40)}`;
  }
  const event = value as JsonObject;
  const detailType = event["detail-type"];
  if (detailType === undefined) return event;
  if (!(CLOUDTRAIL_DETAIL_TYPES as readonly unknown[]).includes(detailType)) {
    return `EventBridge event with detail-type ${show(detailType)} carries no CloudTrail record; vigil reads "${CLOUDTRAIL_DETAIL_TYPES.join('" and "')}"`;
  }
  const detail = object(event.detail);
  if (detail === undefined) return `EventBridge event ${show(event.id)} has no "detail" object`;
  return detail;
}

const REQUIRED = ["eventTime", "eventSource", "eventName", "userIdentity"] as const;

/** Names an object that has none of the required fields: some other JSON, not a broken record. */
function notCloudTrail(value: JsonObject): string | undefined {
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

function principalOf({ identity }: CheckedRecord): Principal | undefined {
  const type = text(identity.type) ?? "Unknown";
  const issuer = text(object(object(identity.sessionContext)?.sessionIssuer)?.arn);
  const accountId = text(identity.accountId);
  const callerArn = text(identity.arn);
  const userName = text(identity.userName);
  if (type === "AWSService" || (type === "AWSAccount" && callerArn === undefined)) return undefined;
  let arn = issuer ?? callerArn;
  if (arn === undefined && type === "Root" && accountId !== undefined) arn = `arn:aws:iam::${accountId}:root`;
  if (arn === undefined && userName !== undefined && accountId !== undefined) {
    arn = `arn:aws:iam::${accountId}:user/${userName}`;
  }
  arn ??= text(identity.principalId) ?? text(identity.accessKeyId);
  if (arn === undefined) return undefined;
  const sessionName =
    issuer !== undefined && callerArn !== undefined
      ? callerArn.slice(callerArn.lastIndexOf("/") + 1)
      : undefined;
  return { type, arn, callerArn, accountId, sessionName, invokedBy: text(identity.invokedBy) };
}

function credentialOf({ identity, eventName }: CheckedRecord, principal: Principal): CredentialRef {
  const key = text(identity.accessKeyId);
  if (principal.type === "Root") return { kind: "root", id: principal.arn, accessKeyId: key };
  if (eventName === "ConsoleLogin") return { kind: "console", id: principal.arn };
  if (key?.startsWith("AKIA")) return { kind: "access-key", id: key };
  if (key?.startsWith("ASIA") || principal.type === "AssumedRole" || principal.type === "FederatedUser") {
    return { kind: "role-session", id: principal.arn, accessKeyId: key };
  }
  if (key !== undefined) return { kind: "access-key", id: key };
  return { kind: "console", id: principal.arn };
}

function sessionOf(identity: JsonObject): CredentialUse["session"] {
  const ctx = object(identity.sessionContext);
  if (ctx === undefined) return undefined;
  const attributes = object(ctx.attributes);
  const created = text(attributes?.creationDate);
  const mfa = attributes?.mfaAuthenticated;
  return {
    issuedAt: created === undefined ? undefined : issuedAt(created),
    mfa: mfa === undefined ? undefined : mfa === true || mfa === "true",
    sourceIdentity: text(ctx.sourceIdentity),
    ec2RoleDelivery: text(ctx.ec2RoleDelivery),
  };
}

/** Session creation times, parsed once: every call of a session repeats its creationDate. */
const issuedTimes = new Map<string, number | undefined>();

function issuedAt(created: string): number | undefined {
  if (issuedTimes.has(created)) return issuedTimes.get(created);
  const time = parseEventTime(created);
  if (issuedTimes.size >= 4_096) issuedTimes.clear();
  issuedTimes.set(created, time);
  return time;
}

/**
 * Whether a console sign-in used MFA. Logged as "Yes", "YES" or "No"; a SAML sign-in says nothing
 * useful (MFA happens at the identity provider), so it is undefined there.
 */
function mfaUsedOf(raw: JsonObject): boolean | undefined {
  const data = object(raw.additionalEventData);
  const used = text(data?.MFAUsed);
  if (used === undefined || data?.SamlProviderArn !== undefined) return undefined;
  return used.toLowerCase() === "yes";
}

function sourceOf({ raw, identity }: CheckedRecord): UseSource {
  const address = text(raw.sourceIPAddress);
  const vpcEndpointId = text(raw.vpcEndpointId);
  const invokedBy = text(identity.invokedBy);
  if (address === undefined) {
    return invokedBy === undefined
      ? { kind: "unknown", vpcEndpointId }
      : { kind: "aws-service", service: invokedBy, vpcEndpointId };
  }
  if (address === "AWS Internal") return { kind: "aws-internal", vpcEndpointId };
  if (address.endsWith(".amazonaws.com") || address.endsWith(".aws.internal")) {
    return { kind: "aws-service", service: address, vpcEndpointId };
  }
  if (IP_V4.test(address) || (address.includes(":") && IP_V6.test(address))) {
    return { kind: "ip", ip: address, vpcEndpointId };
  }
  return { kind: "unknown", vpcEndpointId };
}

function errorOf(raw: JsonObject): string | undefined {
  const code = text(raw.errorCode);
  if (code !== undefined) return code;
  return object(raw.responseElements)?.ConsoleLogin === "Failure" ? "Failed authentication" : undefined;
}

/** User agents of calls the console makes (a browser's, or the console's own service names). */
const CONSOLE_AGENTS: ReadonlySet<string> = new Set(["console.amazonaws.com", "signin.amazonaws.com"]);

/**
 * Whether a call came from the console. CloudTrail says so itself on newer records
 * (`sessionCredentialFromConsole`); on older ones a browser's user agent on temporary credentials
 * tells it (a long-term key cannot sign in to the console, whatever its user agent says).
 */
function fromConsoleOf(raw: JsonObject, credential: CredentialRef, userAgent: string | undefined): boolean {
  const flag = raw.sessionCredentialFromConsole;
  if (flag === true || flag === "true") return true;
  if (credential.kind !== "role-session" || userAgent === undefined) return false;
  return userAgent.startsWith("Mozilla/") || CONSOLE_AGENTS.has(userAgent);
}

/** The SSM calls that return parameter values. */
const PARAMETER_READS: ReadonlySet<string> = new Set([
  "GetParameter",
  "GetParameters",
  "GetParametersByPath",
]);

function decrypted(params: JsonObject | undefined): boolean {
  const flag = params?.withDecryption;
  return flag === true || flag === "true";
}

/** An SSM parameter as an ARN, whether the caller passed its name or its ARN. */
function parameterArn(raw: JsonObject, name: string): string {
  if (name.startsWith("arn:")) return name;
  const region = text(raw.awsRegion) ?? "*";
  const account = text(raw.recipientAccountId) ?? text(object(raw.userIdentity)?.accountId) ?? "*";
  return `arn:aws:ssm:${region}:${account}:parameter/${name.startsWith("/") ? name.slice(1) : name}`;
}

/** The parameters GetParameter(s) read with decryption, as ARNs. */
function parameterIdsOf(raw: JsonObject, eventName: string): string[] {
  const params = object(raw.requestParameters);
  if (eventName === "GetParametersByPath" || !decrypted(params)) return [];
  const names = eventName === "GetParameter" ? [params?.name] : params?.names;
  const list = Array.isArray(names) ? names : [];
  return list.filter((n): n is string => typeof n === "string" && n !== "").map((n) => parameterArn(raw, n));
}

/**
 * The sets of secrets a call read without naming them: BatchGetSecretValue by `filters` (a `name`
 * filter is a prefix; any other key can match any secret) and GetParametersByPath with decryption.
 */
function secretScopesOf({ raw, eventSource, eventName }: CheckedRecord): SecretScope[] {
  const params = object(raw.requestParameters);
  if (eventSource === "ssm.amazonaws.com" && eventName === "GetParametersByPath" && decrypted(params)) {
    const path = text(params?.path) ?? "/";
    const recursive = params?.recursive === true || params?.recursive === "true";
    return [
      {
        service: "ssm",
        prefix: path,
        described: `path ${show(path, 120)}${recursive ? " (recursive)" : ""}`,
      },
    ];
  }
  if (eventSource !== "secretsmanager.amazonaws.com" || eventName !== "BatchGetSecretValue") return [];
  const filters = params?.filters ?? params?.Filters;
  if (!Array.isArray(filters)) return [];
  const scopes: SecretScope[] = [];
  for (const filter of filters) {
    const entry = object(filter);
    const key = text(entry?.key) ?? text(entry?.Key) ?? "?";
    const rawValues = entry?.values ?? entry?.Values;
    const values = (Array.isArray(rawValues) ? rawValues : []).filter(
      (v): v is string => typeof v === "string",
    );
    const described = `filter ${show(key, 40)}=${values.map((v) => show(v, 60)).join(",") || "(none)"}`;
    // A name filter matches names that begin with its value; "!" negates it, so it can match anything.
    if (key === "name" && values.length > 0 && values.every((v) => !v.startsWith("!"))) {
      for (const value of values) scopes.push({ service: "secretsmanager", prefix: value, described });
    } else {
      scopes.push({ service: "secretsmanager", described });
    }
  }
  return scopes.length > 0 ? scopes : [{ service: "secretsmanager", described: "filters (unreadable)" }];
}

function secretIdsOf({ raw, eventSource, eventName }: CheckedRecord): string[] {
  if (eventSource === "ssm.amazonaws.com") {
    return PARAMETER_READS.has(eventName) ? parameterIdsOf(raw, eventName) : [];
  }
  if (eventSource !== "secretsmanager.amazonaws.com") return [];
  const ids: string[] = [];
  const params = object(raw.requestParameters);
  const single = text(params?.secretId);
  if (single !== undefined) ids.push(single);
  const list = params?.secretIdList;
  if (Array.isArray(list)) for (const id of list) if (typeof id === "string") ids.push(id);
  const response = object(raw.responseElements);
  for (const key of ["arn", "aRN", "ARN"]) {
    const arn = text(response?.[key]);
    if (arn !== undefined && !ids.includes(arn)) ids.push(arn);
  }
  return ids;
}

function syntheticEventId(
  eventTime: string,
  { raw, identity, eventSource, eventName }: CheckedRecord,
): string {
  const basis = [
    eventTime,
    eventSource,
    eventName,
    text(identity.arn) ?? "",
    text(raw.sourceIPAddress) ?? "",
  ];
  return `synthetic-${createHash("sha256").update(basis.join("\u0000")).digest("hex").slice(0, 32)}`;
}
