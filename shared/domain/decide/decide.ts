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
  const playbook =
    subject.secret?.playbook ??
    subject.profile?.playbook ??
    policy.playbooks[credential.kind] ??
    DEFAULT_PLAYBOOKS[credential.kind];
  const source = subject.secret?.playbook
    ? `secret profile "${subject.secret.id}"`
    : subject.profile?.playbook
      ? `profile "${subject.profile.id}"`
      : policy.playbooks[credential.kind]
        ? `policy.playbooks.${credential.kind}`
        : `the default for ${credential.kind}`;
  let decision: Decision;
  if (reaches(severity, policy.auto)) decision = "auto";
  else if (reaches(severity, policy.approval)) decision = "needs-approval";
  else if (reaches(severity, policy.notify)) decision = "notify";
  else return { decision: "record-only", reason: `${severity} is below every band of the policy` };
  if (decision === "notify")
    return { decision, playbook: "notify", reason: `${severity} reaches the notify band` };
  const guard = protectionOf(subject.principalArn, config);
  if (guard !== undefined)
    return { decision: "blocked-by-guard", playbook, reason: `${guard}: vigil never acts on it` };
  const band = decision === "auto" ? "auto" : "approval";
  return {
    decision,
    playbook,
    reason: `${severity} reaches the ${band} band; playbook ${playbook} from ${source}`,
  };
}
