import type { ConfigFile, ProfileConfig } from "../shared/domain/config/schema.ts";
import { TAMPERING_APIS } from "../shared/domain/detections/logging-tampering.ts";
import { PASS_ROLE_APIS } from "../shared/domain/detections/privilege-escalation.ts";
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
 * `ConsoleSignIn`. Throws EventPatternError naming the profile when a pattern is too large.
 *
 * @example
 * compileEventRules(configSchema.parse({ profiles: [{ id: "ci", match: { accessKeys: ["AKIA…"] } }] }))
 * // [{ id: "Identity-ci", pattern: { "detail-type": [...], detail: { userIdentity: { accessKeyId: ["AKIA…"] } } }, readOnlyEvents: true }, …]
 */
export function compileEventRules(config: Pick<ConfigFile, "profiles">): CompiledRule[] {
  const rules: CompiledRule[] = config.profiles.map(identityRule);
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
      pattern: {
        "detail-type": [API_CALL],
        detail: anyOf(
          Object.entries(TAMPERING_APIS).map(([eventSource, names]) => ({
            eventSource: [eventSource],
            eventName: [...names],
          })),
        ),
      },
    },
    {
      id: "IamChanges",
      description: "vigil: every IAM write, and roles passed to new compute",
      readOnlyEvents: false,
      pattern: {
        "detail-type": [API_CALL],
        detail: anyOf([
          { eventSource: ["iam.amazonaws.com"] },
          ...Object.entries(PASS_ROLE_APIS).map(([eventSource, names]) => ({
            eventSource: [eventSource],
            // Lambda appends its API version to event names: match those by prefix.
            eventName:
              eventSource === "lambda.amazonaws.com" ? names.map((prefix) => ({ prefix })) : [...names],
          })),
        ]),
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
  );
  for (const rule of rules) checkSize(rule);
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
