import type { Clock } from "../../ports/clock.ts";
import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { ExceptionPolicy } from "../config/compile.ts";
import { show } from "../errors.ts";
import { PLAYBOOK_IDS } from "../playbooks/catalog.ts";
import { CREDENTIAL_KINDS, type CredentialKind, SIGNAL_IDS, type SignalId } from "../vocabulary.ts";
import { DurationTooLongError, ExceptionInputError } from "./errors.ts";
import type { BreakGlassException, ExceptionScope } from "./exception.ts";
import { grantedEntry } from "./records.ts";

/** What a person asks for when granting an exception. */
export interface GrantRequest {
  readonly scope: ExceptionScope;
  /** Playbook ids it suppresses; none: every playbook. */
  readonly playbooks?: readonly string[];
  /** Signal ids it covers; none: any. */
  readonly signals?: readonly string[];
  /** How long it lasts, in hours (fractions allowed); at most `exceptions.maxHours`. */
  readonly hours: number;
  readonly reason: string;
  /** Who grants it. */
  readonly by: string;
}

/** The ports granting needs. */
export interface GrantDeps {
  readonly exceptions: ExceptionStore;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly policy: ExceptionPolicy;
}

const IAM_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/;

/** A required free-text field (a reason, a name), trimmed; refused when empty. */
export function requiredText(value: string | undefined, what: string, fix: string): string {
  const text = value?.trim() ?? "";
  if (text === "") throw new ExceptionInputError(`${what} is missing or empty; ${fix}`);
  return text;
}

/** The duration in ms, refused when not a positive number of hours or longer than the policy allows. */
function durationMs(hours: number, policy: ExceptionPolicy): number {
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new ExceptionInputError(
      `the duration ${show(hours)} is not a positive number of hours; give one such as 2 or 0.5`,
    );
  }
  if (hours > policy.maxHours) {
    throw new DurationTooLongError(
      `a duration of ${hours} hours is longer than the ${policy.maxHours} hours the configuration allows (exceptions.maxHours); grant at most ${policy.maxHours} hours and grant again when it ends, or raise exceptions.maxHours`,
      { context: { hours, maxHours: policy.maxHours } },
    );
  }
  return Math.round(hours * 3_600_000);
}

/** Checks a scope: an IAM ARN for a principal, a known kind for a credential, a pattern with a wildcard. */
function checkScope(scope: ExceptionScope): ExceptionScope {
  if (scope.kind === "principal" && !IAM_ARN.test(scope.arn)) {
    throw new ExceptionInputError(
      `principal ${show(scope.arn)} is not an IAM ARN; write it like arn:aws:iam::111122223333:role/ci-deployer`,
    );
  }
  if (scope.kind === "pattern" && !/[*?]/.test(scope.pattern)) {
    throw new ExceptionInputError(
      `pattern ${show(scope.pattern)} has no * or ?; use it for several principals (arn:aws:iam::111122223333:role/ci-*), or name one principal or credential instead`,
    );
  }
  return scope;
}

/**
 * Reads a credential as given on a command line: `kind:id`, or an id whose kind shows (AKIA… is an
 * access key, a role ARN stands for its sessions, a Secrets Manager ARN is a secret).
 */
export function credentialScope(text: string): ExceptionScope {
  const colon = text.indexOf(":");
  const prefix = colon < 0 ? "" : text.slice(0, colon);
  if ((CREDENTIAL_KINDS as readonly string[]).includes(prefix) && text.length > colon + 1) {
    return { kind: "credential", credential: { kind: prefix as CredentialKind, id: text.slice(colon + 1) } };
  }
  const kind: CredentialKind | undefined = /^(AKIA|ASIA)[A-Z0-9]{16}$/.test(text)
    ? "access-key"
    : /^arn:aws[a-z-]*:secretsmanager:/.test(text)
      ? "secret"
      : /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(text)
        ? "role-session"
        : /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(text)
          ? "root"
          : undefined;
  if (kind === undefined) {
    throw new ExceptionInputError(
      `cannot tell what kind of credential ${show(text)} is; write it as KIND:ID with KIND one of ${CREDENTIAL_KINDS.join(", ")} (e.g. access-key:AKIAIOSFODNN7EXAMPLE)`,
    );
  }
  return { kind: "credential", credential: { kind, id: text } };
}

/** Checks playbook ids against the catalog. */
function checkPlaybooks(ids: readonly string[] = []): string[] {
  const unknown = ids.filter((id) => !PLAYBOOK_IDS.includes(id));
  if (unknown.length > 0) {
    throw new ExceptionInputError(
      `playbook ${unknown.map((id) => show(id)).join(", ")} is unknown; valid playbooks are ${PLAYBOOK_IDS.join(", ")}`,
    );
  }
  return [...new Set(ids)];
}

function checkSignals(ids: readonly string[] = []): SignalId[] {
  const unknown = ids.filter((id) => !(SIGNAL_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new ExceptionInputError(
      `signal ${unknown.map((id) => show(id)).join(", ")} is unknown; valid signals are ${SIGNAL_IDS.join(", ")}`,
    );
  }
  return [...new Set(ids)] as SignalId[];
}

/** Validates a grant and builds the exception, in force from `at` for the asked duration. */
export function buildException(
  request: GrantRequest,
  policy: ExceptionPolicy,
  at: number,
  id: string,
): BreakGlassException {
  const reason = requiredText(request.reason, "the reason", "say why the exception is needed");
  const grantedBy = requiredText(request.by, "the name of who grants it", "give your name");
  const duration = durationMs(request.hours, policy);
  return {
    id,
    scope: checkScope(request.scope),
    playbooks: checkPlaybooks(request.playbooks),
    signals: checkSignals(request.signals),
    reason,
    grantedBy,
    grantedAt: at,
    expiresAt: at + duration,
  };
}

/**
 * Grants a break-glass exception: validates it (reason, grantor, duration within the maximum, scope,
 * playbooks, signals), stores it and records `exception-granted`. It applies to every decision made
 * from now until its expiry; a playbook run already executing is not stopped (undo it if needed).
 */
export async function grantException(request: GrantRequest, deps: GrantDeps): Promise<BreakGlassException> {
  const exception = buildException(request, deps.policy, deps.clock.now(), deps.newId());
  await deps.exceptions.insert(exception);
  await deps.ledger.append([grantedEntry(exception)]);
  return exception;
}
