/**
 * The stable words of vigil. The CLI's JSON output, the records and the config use exactly these
 * strings, so renaming one is a breaking change.
 */

/** What kind of credential was used (or, for `secret`, what kind of secret was exposed). */
export const CREDENTIAL_KINDS = ["access-key", "role-session", "secret", "root", "console"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/**
 * Signal ids of the detections, one file each under `domain/detections/`: the fourteen of DESIGN.md,
 * then the attack-technique signals added since (new ids are only ever appended).
 */
export const SIGNAL_IDS = [
  "unexpected-source",
  "outside-window",
  "unexpected-region",
  "new-source",
  "secret-read-unapproved",
  "privilege-escalation",
  "persistence",
  "credential-exfiltration",
  "use-after-revocation",
  "failures-then-success",
  "discovery-burst",
  "logging-tampering",
  "root-usage",
  "console-login-no-mfa",
  "external-sharing",
  "network-exposure",
  "credential-access",
  "remote-execution",
  "compute-abuse",
  "model-abuse",
  "data-destruction",
  "recon-burst",
  "account-recon",
] as const;
export type SignalId = (typeof SIGNAL_IDS)[number];

/** Severity bands of the 0–100 exposure score: low < 40 ≤ medium < 60 ≤ high < 80 ≤ critical. */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Criticality of an asset, declared in a profile. */
export const CRITICALITIES = SEVERITIES;
export type Criticality = Severity;

/** What vigil decided to do about a finding. */
export const DECISIONS = [
  "record-only",
  "notify",
  "needs-approval",
  "auto",
  "suppressed-by-exception",
  "blocked-by-guard",
] as const;
export type Decision = (typeof DECISIONS)[number];

/** Registry ids of playbook steps. */
export const STEP_IDS = [
  "deactivate-access-key",
  "revoke-sessions",
  "quarantine-role",
  "quarantine-user",
  "detach-policies",
  "rotate-secret",
  "notify",
] as const;
export type StepId = (typeof STEP_IDS)[number];

/** Maps a 0–100 score to its band. */
export function severityOf(score: number): Severity {
  if (score >= 80) return "critical";
  if (score >= 60) return "high";
  if (score >= 40) return "medium";
  return "low";
}

/** Orders bands so that `rank("critical") > rank("high")`. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
