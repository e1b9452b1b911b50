import type { IdentityProfile, SecretProfile, VigilConfig } from "../config/compile.ts";
import type { CredentialRef } from "../event.ts";
import { type Decision, type Severity, severityRank } from "../vocabulary.ts";
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
}

/** The subject of a decision. */
export interface DecisionSubject {
  readonly severity: Severity;
  readonly credential: CredentialRef;
  readonly principalArn: string;
  readonly profile?: IdentityProfile;
  readonly secret?: SecretProfile;
}

function reaches(severity: Severity, band: Severity | "never"): boolean {
  return band !== "never" && severityRank(severity) >= severityRank(band);
}

/**
 * Applies the decision policy: the lowest band that triggers `auto`, `approval` and `notify`, the
 * playbook the profile (or the policy, per credential kind) names, and the guards. A protected principal
 * is never acted on: the decision becomes `blocked-by-guard` and only says so.
 */
export function decide(subject: DecisionSubject, config: VigilConfig): DecisionResult {
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
