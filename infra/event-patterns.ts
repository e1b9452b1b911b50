import type { ConfigFile, ProfileConfig } from "../shared/domain/config/schema.ts";
import { ACCOUNT_RECON_APIS } from "../shared/domain/detections/account-recon.ts";
import { COMPUTE_ABUSE_APIS } from "../shared/domain/detections/compute-abuse.ts";
import { CREDENTIAL_ACCESS_APIS } from "../shared/domain/detections/credential-access.ts";
import { CUSTOMER_KEY_HEADER, DATA_DESTRUCTION_APIS } from "../shared/domain/detections/data-destruction.ts";
import { SHARING_APIS } from "../shared/domain/detections/external-sharing.ts";
import { TAMPERING_APIS } from "../shared/domain/detections/logging-tampering.ts";
import { MODEL_ABUSE_APIS } from "../shared/domain/detections/model-abuse.ts";
import { NETWORK_EXPOSURE_APIS } from "../shared/domain/detections/network-exposure.ts";
import { PERSISTENCE_APIS } from "../shared/domain/detections/persistence.ts";
import { PASS_ROLE_APIS } from "../shared/domain/detections/privilege-escalation.ts";
import { REMOTE_EXECUTION_APIS } from "../shared/domain/detections/remote-execution.ts";
import { SECRET_READ_APIS } from "../shared/domain/detections/secret-read-unapproved.ts";
import { show, VigilError } from "../shared/domain/errors.ts";
import { CLOUDTRAIL_DETAIL_TYPES } from "../shared/domain/normalize/normalize.ts";

/**
 * Compiles vigil's configuration into EventBridge event patterns, so that only relevant CloudTrail
 * events reach the queue (and cost a Lambda invocation): the events of the declared identities, secret
 * reads, and the always-on signals every account needs whoever acts (monitoring tampering, IAM
 * changes, root use, console sign-in). Pure: no CDK, no AWS; the construct turns each rule into a
 * `AWS::Events::Rule`.
 */

/** A JSON event pattern, as EventBridge reads it. */
export type EventPattern = { readonly [key: string]: EventPatternValue };
type EventPatternValue =
  | EventPattern
  | readonly (string | number | boolean | null | Readonly<Record<string, unknown>>)[]
  | readonly EventPattern[];

/** One EventBridge rule to create. */
export interface CompiledRule {
  /** Construct id of the rule: a stable contract (a profile's rule is named after the profile's id). */
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPattern;
  /**
   * True when the rule must also see read-only management events (Get*, List*, Describe*), which reach
   * a rule only in the state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. Only narrow rules do.
   */
  readonly readOnlyEvents: boolean;
}

/** EventBridge's default limit on the size of one event pattern, in characters. */
export const MAX_PATTERN_CHARS = 2048;

const API_CALL = CLOUDTRAIL_DETAIL_TYPES[0];
const CONSOLE_SIGNIN = CLOUDTRAIL_DETAIL_TYPES[1];

export { PASS_ROLE_APIS, SECRET_READ_APIS, TAMPERING_APIS };

/** A configuration whose rules EventBridge would refuse. */
export class EventPatternError extends VigilError {
  override name = "EventPatternError";
}

/**
 * The rules for a validated configuration, in a stable order: one per declared profile
 * (`Identity-<profile id>`), then `SecretReads`, `LoggingTampering`, `IamChanges`, `RootUse`,
 * `ConsoleSignIn`, then the attack-technique rules (`Sharing`, `NetworkExposure`, `RemoteExecution`,
 * `ComputeLaunch`, `NewAccess`, `CredentialReads`, `ModelUse`, `DataDestruction`, `DeniedCalls`,
 * `AccountRecon`; a list too long for one pattern continues in `<id>-2`, …). A call goes to the first
 * of these rules that lists it, never to two. Throws EventPatternError naming the profile when a
 * profile's pattern is too large.
 *
 * @example
 * compileEventRules(configSchema.parse({ profiles: [{ id: "ci", match: { accessKeys: ["AKIA…"] } }] }))
 * // [{ id: "Identity-ci", pattern: { "detail-type": [...], detail: { userIdentity: { accessKeyId: ["AKIA…"] } } }, readOnlyEvents: true }, …]
 */
export function compileEventRules(config: Pick<ConfigFile, "profiles">): CompiledRule[] {
  const rules: CompiledRule[] = config.profiles.map(identityRule);
  const covered = new Set<string>([
    ...SECRET_READ_APIS.map((name) => `secretsmanager.amazonaws.com:${name}`),
    ...keysOf(TAMPERING_APIS),
    ...keysOf(PASS_ROLE_APIS),
  ]);
  rules.push(
    {
      id: "SecretReads",
      description: "vigil: secret reads (GetSecretValue, BatchGetSecretValue) by anyone",
      readOnlyEvents: true,
      pattern: {
        source: ["aws.secretsmanager"],
        "detail-type": [API_CALL],
        detail: { eventSource: ["secretsmanager.amazonaws.com"], eventName: [...SECRET_READ_APIS] },
      },
    },
    {
      id: "LoggingTampering",
      description: "vigil: CloudTrail, GuardDuty, Config, flow logs, Security Hub or log settings weakened",
      readOnlyEvents: false,
      pattern: { "detail-type": [API_CALL], detail: anyOf(apiAlternatives(TAMPERING_APIS)) },
    },
    {
      id: "IamChanges",
      description: "vigil: every IAM write, and roles passed to new compute",
      readOnlyEvents: false,
      pattern: {
        "detail-type": [API_CALL],
        detail: anyOf([{ eventSource: ["iam.amazonaws.com"] }, ...apiAlternatives(PASS_ROLE_APIS)]),
      },
    },
    {
      id: "RootUse",
      description:
        "vigil: any call by the root user, read-only ones included (its sign-ins come with ConsoleSignIn)",
      readOnlyEvents: true,
      pattern: { "detail-type": [API_CALL], detail: { userIdentity: { type: ["Root"] } } },
    },
    {
      id: "ConsoleSignIn",
      description: "vigil: console sign-ins",
      readOnlyEvents: false,
      pattern: { "detail-type": [CONSOLE_SIGNIN] },
    },
    ...apiRules("Sharing", "data or access shared with other accounts", SHARING_APIS, false, covered),
    ...apiRules("NetworkExposure", "security groups opened", NETWORK_EXPOSURE_APIS, false, covered),
    ...apiRules("RemoteExecution", "code run on compute", REMOTE_EXECUTION_APIS, false, covered),
    ...apiRules("ComputeLaunch", "instances launched", COMPUTE_ABUSE_APIS, false, covered),
    ...apiRules("NewAccess", "federation tokens and Roles Anywhere trust", PERSISTENCE_APIS, true, covered),
    credentialReadsRule(covered),
    ...apiRules("ModelUse", "Bedrock model access and invocations", MODEL_ABUSE_APIS, true, covered),
    {
      id: "DataDestruction",
      description: "vigil: S3 objects deleted or rewritten with a customer-provided key (data events)",
      readOnlyEvents: true,
      pattern: {
        "detail-type": [API_CALL],
        detail: anyOf([
          ...apiAlternatives(DATA_DESTRUCTION_APIS),
          {
            eventSource: ["s3.amazonaws.com"],
            eventName: ["PutObject", "CopyObject"],
            requestParameters: { [CUSTOMER_KEY_HEADER]: [{ exists: true }] },
          },
        ]),
      },
    },
    {
      id: "DeniedCalls",
      description: "vigil: calls refused for lack of permission, by anyone",
      readOnlyEvents: true,
      pattern: {
        "detail-type": [API_CALL],
        detail: {
          errorCode: [
            { prefix: "AccessDenied" },
            { suffix: "UnauthorizedOperation" },
            "UnauthorizedAccess",
            "AuthorizationError",
            { wildcard: "*NotAuthorized*" },
          ],
        },
      },
    },
    ...apiRules(
      "AccountRecon",
      "identities, defenses and sending limits enumerated",
      ACCOUNT_RECON_APIS,
      true,
      covered,
    ),
  );
  for (const rule of rules) checkSize(rule);
  return rules;
}

/**
 * Reads of credentials held elsewhere, narrowed to what the detection judges so that a workload's
 * ordinary reads cost nothing: Windows passwords, user data (not the other instance attributes),
 * parameters read with decryption, and the listings of secrets and parameters.
 */
function credentialReadsRule(covered: Set<string>): CompiledRule {
  for (const key of keysOf(CREDENTIAL_ACCESS_APIS)) covered.add(key);
  const secrets = CREDENTIAL_ACCESS_APIS["secretsmanager.amazonaws.com"] ?? [];
  return {
    id: "CredentialReads",
    description: "vigil: passwords, user data and decrypted parameters read, secrets and parameters listed",
    readOnlyEvents: true,
    pattern: {
      "detail-type": [API_CALL],
      detail: anyOf([
        { eventSource: ["ec2.amazonaws.com"], eventName: ["GetPasswordData"] },
        {
          eventSource: ["ec2.amazonaws.com"],
          eventName: ["DescribeInstanceAttribute"],
          requestParameters: { attribute: ["userData"] },
        },
        {
          eventSource: ["ssm.amazonaws.com"],
          eventName: ["GetParameter", "GetParameters", "GetParametersByPath"],
          requestParameters: { withDecryption: [true] },
        },
        { eventSource: ["ssm.amazonaws.com"], eventName: ["DescribeParameters"] },
        // GetSecretValue and BatchGetSecretValue come with SecretReads.
        {
          eventSource: ["secretsmanager.amazonaws.com"],
          eventName: secrets.filter((name) => !(SECRET_READ_APIS as readonly string[]).includes(name)),
        },
      ]),
    },
  };
}

function keysOf(apis: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.entries(apis).flatMap(([source, names]) => names.map((name) => `${source}:${name}`));
}

/**
 * One `{eventSource, eventName}` alternative per event source. Lambda appends its API version to
 * event names (`AddPermission20150331v2`): those are matched by prefix.
 */
function apiAlternatives(apis: Readonly<Record<string, readonly string[]>>): EventPattern[] {
  return Object.entries(apis).map(([eventSource, names]) => ({
    eventSource: [eventSource],
    eventName: eventSource === "lambda.amazonaws.com" ? names.map((prefix) => ({ prefix })) : [...names],
  }));
}

/**
 * The rules delivering the calls of `apis` not already delivered by an earlier rule (`covered`,
 * which grows), as few as EventBridge's size limit allows: `id`, then `id-2`, … in source order.
 */
function apiRules(
  id: string,
  what: string,
  apis: Readonly<Record<string, readonly string[]>>,
  readOnlyEvents: boolean,
  covered: Set<string>,
): CompiledRule[] {
  const remaining: Record<string, string[]> = {};
  for (const key of keysOf(apis)) {
    if (covered.has(key)) continue;
    covered.add(key);
    const colon = key.indexOf(":");
    const source = key.slice(0, colon);
    remaining[source] = [...(remaining[source] ?? []), key.slice(colon + 1)];
  }
  const rules: CompiledRule[] = [];
  let chunk: Record<string, string[]> = {};
  const flush = () => {
    if (Object.keys(chunk).length === 0) return;
    const n = rules.length + 1;
    rules.push({
      id: n === 1 ? id : `${id}-${n}`,
      description: `vigil: ${what}${n === 1 ? "" : ` (part ${n})`}`,
      readOnlyEvents,
      pattern: { "detail-type": [API_CALL], detail: anyOf(apiAlternatives(chunk)) },
    });
    chunk = {};
  };
  for (const [source, names] of Object.entries(remaining)) {
    for (const name of names) {
      const next = { ...chunk, [source]: [...(chunk[source] ?? []), name] };
      const size = JSON.stringify({ "detail-type": [API_CALL], detail: anyOf(apiAlternatives(next)) }).length;
      if (size > MAX_PATTERN_CHARS - 100) flush();
      chunk[source] = [...(chunk[source] ?? []), name];
    }
  }
  flush();
  return rules;
}

/**
 * The events of one declared identity, read-only ones included (the learned detections need them):
 * sessions of its roles (by `sessionContext.sessionIssuer.arn`), calls of its users (`userIdentity.arn`)
 * and of its access keys (`userIdentity.accessKeyId`).
 */
function identityRule(profile: ProfileConfig): CompiledRule {
  const { roles, users, accessKeys } = profile.match;
  const alternatives: EventPattern[] = [];
  if (roles.length > 0) {
    alternatives.push({
      userIdentity: { sessionContext: { sessionIssuer: { arn: roles.map(arnMatcher) } } },
    });
  }
  if (users.length > 0) alternatives.push({ userIdentity: { arn: users.map(arnMatcher) } });
  if (accessKeys.length > 0) alternatives.push({ userIdentity: { accessKeyId: [...accessKeys] } });
  return {
    id: `Identity-${profile.id}`,
    description: `vigil: every call of the identity declared by profile "${profile.id}"`,
    readOnlyEvents: true,
    pattern: { "detail-type": [API_CALL], detail: anyOf(alternatives) },
  };
}

/**
 * An ARN pattern of a profile as an EventBridge matcher: the exact string without wildcards, a prefix
 * when the only wildcard is a trailing `*`, else a `wildcard` matcher (EventBridge has no `?`, so a `?`
 * widens to `*`; the domain's exact match decides afterwards).
 */
export function arnMatcher(
  pattern: string,
): string | { readonly prefix: string } | { readonly wildcard: string } {
  const first = pattern.search(/[*?]/);
  if (first === -1) return pattern;
  if (first === pattern.length - 1 && pattern.endsWith("*")) return { prefix: pattern.slice(0, -1) };
  return { wildcard: pattern.replace(/[*?]+/g, "*") };
}

function anyOf(alternatives: readonly EventPattern[]): EventPattern {
  if (alternatives.length === 1 && alternatives[0] !== undefined) return alternatives[0];
  return { $or: alternatives };
}

function checkSize(rule: CompiledRule): void {
  const size = JSON.stringify(rule.pattern).length;
  if (size <= MAX_PATTERN_CHARS) return;
  const profile = rule.id.startsWith("Identity-") ? `profile ${show(rule.id.slice(9))}: ` : "";
  throw new EventPatternError(
    `${profile}the EventBridge pattern of rule ${show(rule.id)} is ${size} characters, over EventBridge's limit of ${MAX_PATTERN_CHARS}; ` +
      "split the profile into several, or use ARN wildcards (arn:aws:iam::111122223333:role/app-*) instead of listing every ARN",
    { context: { rule: rule.id, size } },
  );
}
