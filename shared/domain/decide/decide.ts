import type { IdentityProfile, SecretProfile, VigilConfig } from "../config/compile.ts";
import type { CredentialRef } from "../event.ts";
import { type BreakGlassException, coveringException, scopeText } from "../exceptions/exception.ts";
import { type Decision, type Severity, type SignalId, severityRank } from "../vocabulary.ts";
import { protectionOf } from "./guards.ts";

/** Playbook for a credential kind when neither a profile nor the policy names one. */
export const DEFAULT_PLAYBOOKS: Readonly<Record<CredentialRef["kind"], string>> = {
  "access-key": "deactivate-access-key",
  "role-session": "revoke-sessions",
  secret: "rotate-secret",
  root: "notify",
  console: "notify",
};

/** What to do about an exposure or finding, and why. */
export interface DecisionResult {
  readonly decision: Decision;
  /** The playbook to plan: `undefined` for record-only. */
  readonly playbook?: string;
  readonly reason: string;
  /** For `suppressed-by-exception`: the id of the exception that suppressed it. */
  readonly exceptionId?: string;
}

/** The break-glass exceptions a decision respects, and the Clock's reading at the decision. */
export interface ExceptionCheck {
  readonly exceptions: readonly BreakGlassException[];
  /** Epoch ms: an exception applies when `grantedAt <= at < expiresAt` (and it is not revoked by then). */
  readonly at: number;
}

/** Decisions an exception suppresses: the ones that would send or change something. */
const SUPPRESSIBLE: ReadonlySet<Decision> = new Set(["auto", "needs-approval", "notify"]);

/** The subject of a decision. */
export interface DecisionSubject {
  readonly severity: Severity;
  readonly credential: CredentialRef;
  readonly principalArn: string;
  readonly profile?: IdentityProfile;
  readonly secret?: SecretProfile;
  /** The signals behind the decision: an exception scoped to signals covers it only when all are listed. */
  readonly signals?: readonly SignalId[];
}

function reaches(severity: Severity, band: Severity | "never"): boolean {
  return band !== "never" && severityRank(severity) >= severityRank(band);
}

/**
 * Applies the decision policy: the lowest band that triggers `auto`, `approval` and `notify`, the
 * playbook the profile (or the policy, per credential kind) names, and the guards. A protected principal
 * is never acted on: the decision becomes `blocked-by-guard` and only says so. Then the break-glass
 * exceptions: when one in force at `exceptions.at` covers the subject, an `auto`, `needs-approval` or
 * `notify` decision becomes `suppressed-by-exception`; the reason names the exception and says what the
 * decision would have been, and the plan is kept so a person can see what was not done.
 */
export function decide(
  subject: DecisionSubject,
  config: VigilConfig,
  exceptions?: ExceptionCheck,
): DecisionResult {
  const decided = policyDecision(subject, config);
  if (exceptions === undefined || !SUPPRESSIBLE.has(decided.decision)) return decided;
  const exception = coveringException(
    exceptions.exceptions,
    {
      principalArn: subject.principalArn,
      credential: subject.credential,
      playbook: decided.playbook,
      signals: subject.signals,
    },
    exceptions.at,
  );
  if (exception === undefined) return decided;
  return {
    decision: "suppressed-by-exception",
    playbook: decided.playbook,
    exceptionId: exception.id,
    reason: `${SUPPRESSED_BY} ${exception.id} (${scopeText(exception.scope)}, granted by ${exception.grantedBy} until ${new Date(exception.expiresAt).toISOString()}: ${exception.reason}); without it: ${decided.decision}: ${decided.reason}`,
  };
}

const SUPPRESSED_BY = "suppressed by exception";

/** The id of the exception a `suppressed-by-exception` decision names in its reason (see decide). */
export function suppressingExceptionId(decision: {
  readonly decision: Decision;
  readonly decisionReason: string;
}): string | undefined {
  if (decision.decision !== "suppressed-by-exception") return undefined;
  const prefix = `${SUPPRESSED_BY} `;
  if (!decision.decisionReason.startsWith(prefix)) return undefined;
  const end = decision.decisionReason.indexOf(" ", prefix.length);
  return end < 0 ? undefined : decision.decisionReason.slice(prefix.length, end);
}

function policyDecision(subject: DecisionSubject, config: VigilConfig): DecisionResult {
  const { policy } = config;
  const { severity, credential } = subject;
  const forKind = policy.kinds[credential.kind];
  const [playbook, source] = subject.secret?.playbook
    ? [subject.secret.playbook, `secret profile "${subject.secret.id}"`]
    : subject.profile?.playbook
      ? [subject.profile.playbook, `profile "${subject.profile.id}"`]
      : forKind?.playbook
        ? [forKind.playbook, `policy.kinds.${credential.kind}`]
        : [DEFAULT_PLAYBOOKS[credential.kind], `the default for ${credential.kind}`];
  const bands = {
    auto: forKind?.auto ?? policy.auto,
    approval: forKind?.approval ?? policy.approval,
    notify: forKind?.notify ?? policy.notify,
  };
  const scope = forKind?.auto || forKind?.approval || forKind?.notify ? ` for ${credential.kind}` : "";
  let decision: Decision;
  if (reaches(severity, bands.auto)) decision = "auto";
  else if (reaches(severity, bands.approval)) decision = "needs-approval";
  else if (reaches(severity, bands.notify)) decision = "notify";
  else return { decision: "record-only", reason: `${severity} is below every band of the policy${scope}` };
  if (decision === "notify") {
    return { decision, playbook: "notify", reason: `${severity} reaches the notify band${scope}` };
  }
  const guard = protectionOf(subject.principalArn, config);
  if (guard !== undefined) {
    return { decision: "blocked-by-guard", playbook, reason: `${guard}: vigil never acts on it` };
  }
  const band = decision === "auto" ? "auto" : "approval";
  return {
    decision,
    playbook,
    reason: `${severity} reaches the ${band} band${scope}; playbook ${playbook} from ${source}`,
  };
}
