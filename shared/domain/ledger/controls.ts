import type { SignalId } from "../vocabulary.ts";
import type { LedgerAction, LedgerEntry } from "./record.ts";

/** A control reference and the one line that says why a record serves it. */
export interface ControlReference {
  readonly id: string;
  readonly why: string;
}

/**
 * NIST Cybersecurity Framework 2.0 subcategories each kind of ledger record serves. This is the one
 * table: a record carries the ids of its action, and the README's compliance section lists it.
 */
export const NIST_CSF_BY_ACTION: Readonly<Record<LedgerAction, readonly ControlReference[]>> = {
  "finding-decided": [
    {
      id: "DE.CM-01",
      why: "each API call's source network is checked against the declared and learned ones",
    },
    { id: "DE.CM-03", why: "how every machine credential is used is monitored against its profile" },
    { id: "DE.AE-02", why: "the finding is analyzed: which detections fired and why, one reason each" },
    {
      id: "DE.AE-04",
      why: "the exposure score estimates the impact: privilege, reach, durability, criticality",
    },
  ],
  "approval-requested": [
    { id: "DE.AE-06", why: "the adverse event and its evidence are handed to the on-call engineers" },
    { id: "RS.MA-04", why: "a risky containment is escalated to a person instead of run unattended" },
  ],
  "approval-decided": [
    { id: "RS.MA-02", why: "a person validates the reported exposure before vigil acts on it" },
    { id: "PR.AA-05", why: "the action is authorized by a named approver (separation of duties)" },
  ],
  "approval-expired": [
    { id: "RS.MA-04", why: "an undecided request lapses and is re-notified or escalated, never executed" },
  ],
  "playbook-step": [
    {
      id: "RS.MI-01",
      why: "the step contains the exposure: key deactivated, sessions revoked, role quarantined",
    },
    { id: "RS.AN-06", why: "the response action is recorded with its actor, time and integrity" },
  ],
  "playbook-dispatched": [
    {
      id: "RS.MI-01",
      why: "the decided containment is queued for the function allowed to act, which runs it under its guards",
    },
    { id: "RS.AN-06", why: "the hand-off is recorded with its decision, time and integrity" },
  ],
  "undo-step": [
    { id: "RC.RP-02", why: "a recovery action restores what a containment step changed" },
    { id: "RS.AN-06", why: "the undo is recorded with its actor, time and integrity" },
  ],
  "exception-granted": [
    { id: "PR.AA-05", why: "a time-limited, scoped authorization with a reason and a grantor" },
  ],
  "exception-used": [
    { id: "DE.CM-03", why: "activity under an exception is still monitored, scored and recorded" },
    { id: "PR.AA-05", why: "the suppression is traced to the exception that authorized it" },
  ],
  "exception-expired": [
    { id: "PR.AA-05", why: "the authorization ends at its stated time and open exposures are re-decided" },
  ],
  "exception-revoked": [
    { id: "PR.AA-05", why: "the authorization is withdrawn before its end by a named person" },
  ],
  "kill-switch-set": [
    { id: "PR.AA-05", why: "a named person withdraws vigil's authorization to act, for a stated reason" },
    { id: "RS.AN-06", why: "stopping every automated action is recorded with its actor, time and integrity" },
  ],
  "kill-switch-cleared": [
    { id: "PR.AA-05", why: "a named person restores vigil's authorization to act" },
    { id: "RS.AN-06", why: "resuming automated actions is recorded with its actor, time and integrity" },
  ],
  "quarantine-lifted": [
    { id: "PR.AA-05", why: "a quarantine is lifted temporarily, for a stated reason and duration" },
    { id: "RC.RP-02", why: "access is restored for an emergency as a deliberate recovery action" },
  ],
  "quarantine-reapplied": [
    { id: "RS.MI-01", why: "the containment is restored when its temporary lift ends" },
  ],
};

/**
 * OWASP Non-Human Identities Top 10 (2025) risks each detection signal serves: the risk whose abuse the
 * signal detects. A record about findings carries the union of its signals' ids.
 */
export const OWASP_NHI_BY_SIGNAL: Readonly<Record<SignalId, readonly ControlReference[]>> = {
  "unexpected-source": [
    { id: "NHI2:2025", why: "use from an undeclared network is the typical sign of a leaked credential" },
    {
      id: "NHI10:2025",
      why: "a person using a machine credential from a workstation shows up as a new source",
    },
  ],
  "outside-window": [
    { id: "NHI2:2025", why: "a leaked credential is used when its owner's jobs do not run" },
    { id: "NHI10:2025", why: "people use machine credentials outside the schedule of the machine" },
  ],
  "unexpected-region": [
    { id: "NHI2:2025", why: "a leaked credential is used where its workload never runs" },
    {
      id: "NHI8:2025",
      why: "a credential acting in a region outside its environment crosses an isolation boundary",
    },
  ],
  "new-source": [
    { id: "NHI2:2025", why: "first use from an unseen network after learning is a sign of leakage" },
    { id: "NHI10:2025", why: "a human copy of a machine credential appears as a never-seen network" },
  ],
  "secret-read-unapproved": [
    {
      id: "NHI5:2025",
      why: "an identity able to read a secret it is not a reader of holds too much privilege",
    },
    { id: "NHI9:2025", why: "one application reading another's secret is reuse of that identity's secret" },
  ],
  "privilege-escalation": [
    { id: "NHI5:2025", why: "a machine identity that can change IAM permissions is overprivileged" },
  ],
  persistence: [
    { id: "NHI1:2025", why: "new users, keys and trusts are durable access that outlives offboarding" },
    { id: "NHI5:2025", why: "creating access for others needs IAM write a workload rarely needs" },
    { id: "NHI7:2025", why: "the created access keys and login profiles are long-lived secrets" },
  ],
  "credential-exfiltration": [
    { id: "NHI2:2025", why: "an instance or task role's session keys were taken off the workload" },
    { id: "NHI6:2025", why: "theft of role credentials follows insecure cloud deployment configuration" },
  ],
  "use-after-revocation": [
    { id: "NHI1:2025", why: "a credential that was deactivated, rotated or revoked is still being used" },
  ],
  "failures-then-success": [
    {
      id: "NHI2:2025",
      why: "probing permissions until a call succeeds is how a stolen credential is explored",
    },
    { id: "NHI5:2025", why: "the call that succeeds shows what an attacker can do with the identity" },
  ],
  "discovery-burst": [
    {
      id: "NHI2:2025",
      why: "sudden enumeration of unfamiliar services is a stolen credential being explored",
    },
    { id: "NHI5:2025", why: "read access to many services is more privilege than the workload uses" },
  ],
  "logging-tampering": [
    { id: "NHI5:2025", why: "a machine identity able to stop CloudTrail or GuardDuty is overprivileged" },
  ],
  "root-usage": [
    { id: "NHI5:2025", why: "the root user is the most privileged identity of the account" },
    { id: "NHI7:2025", why: "root credentials are long-lived and cannot be scoped" },
  ],
  "console-login-no-mfa": [
    { id: "NHI4:2025", why: "a console sign-in without MFA is insecure authentication" },
    { id: "NHI10:2025", why: "a console session on a watched identity is a person using it" },
  ],
  "external-sharing": [
    {
      id: "NHI5:2025",
      why: "an identity able to share data or access with other accounts is overprivileged",
    },
    { id: "NHI8:2025", why: "sharing outside the estate breaks the isolation between environments" },
  ],
  "network-exposure": [
    {
      id: "NHI5:2025",
      why: "a machine identity able to open security groups to the internet is overprivileged",
    },
    { id: "NHI6:2025", why: "world-open ingress is an insecure cloud deployment configuration" },
  ],
  "credential-access": [
    {
      id: "NHI2:2025",
      why: "harvesting secrets, parameters, passwords or user data leaks other identities' secrets",
    },
    { id: "NHI5:2025", why: "read access to every secret is more than one workload needs" },
  ],
  "remote-execution": [
    { id: "NHI5:2025", why: "running code on other compute through the control plane needs broad privilege" },
    { id: "NHI9:2025", why: "code planted in another workload acts with that workload's identity" },
  ],
  "compute-abuse": [
    { id: "NHI2:2025", why: "launching unusual compute is what a leaked key is sold for (mining)" },
    { id: "NHI5:2025", why: "an identity able to launch any instance type is overprivileged" },
  ],
  "model-abuse": [
    { id: "NHI2:2025", why: "a leaked key invoking models is LLM hijacking at the owner's expense" },
    { id: "NHI5:2025", why: "model invocation and model-access rights a workload never uses" },
  ],
  "data-destruction": [
    {
      id: "NHI5:2025",
      why: "an identity able to delete or re-encrypt a bucket's objects en masse is overprivileged",
    },
  ],
  "recon-burst": [
    { id: "NHI2:2025", why: "dozens of denied calls across services is a leaked key being tried out" },
  ],
  "account-recon": [
    {
      id: "NHI2:2025",
      why: "enumerating identities, defenses and sending limits is a leaked key being explored",
    },
    { id: "NHI5:2025", why: "account-wide read access is more than a workload uses" },
  ],
};

/** The control ids a record of `action` serves, for the signals it concerns (sorted, each once). */
export function controlsFor(
  action: LedgerAction,
  signals: readonly SignalId[] = [],
): LedgerEntry["controls"] {
  const nhi = new Set(signals.flatMap((s) => OWASP_NHI_BY_SIGNAL[s].map((c) => c.id)));
  return {
    nistCsf: NIST_CSF_BY_ACTION[action].map((c) => c.id),
    owaspNhi: [...nhi].sort((a, b) => nhiNumber(a) - nhiNumber(b)),
  };
}

function nhiNumber(id: string): number {
  return Number(id.slice(3, id.indexOf(":")));
}
