import { show } from "../errors.ts";
import type { CredentialUse } from "../event.ts";

/** Who made a call, for a reason line: "access key AKIA… of "arn…"", "session of "arn…"", "root …". */
export function describeActor(use: CredentialUse): string {
  const arn = show(use.principal.arn, 160);
  switch (use.credential.kind) {
    case "access-key":
      return `access key ${use.credential.id} of ${arn}`;
    case "role-session":
      return `session of ${arn}`;
    case "root":
      return `root ${arn}`;
    default:
      return arn;
  }
}

/** The credential a call used, for a reason line: "access key AKIA…", "session of "arn…"", … */
export function describeCredential(use: CredentialUse): string {
  const id = show(use.credential.id, 120);
  switch (use.credential.kind) {
    case "access-key":
      return `access key ${use.credential.id}`;
    case "role-session":
      return `session of ${id}`;
    case "root":
      return `root ${id}`;
    case "console":
      return `console session of ${id}`;
    case "secret":
      return `secret ${id}`;
  }
}

/** "denied with AccessDenied" for an authorization failure, "failed with …" for any other error. */
export function failure(errorCode: string): string {
  return `${/AccessDenied|Unauthorized|Forbidden/i.test(errorCode) ? "denied" : "failed"} with ${errorCode}`;
}

/** `iam:CreateUser`, `lambda:AddPermission20150331v2`: the call as a reason line names it. */
export function apiOf(use: CredentialUse): string {
  return `${use.eventSource.replace(/\.amazonaws\.com$/, "")}:${use.eventName}`;
}

/**
 * "<actor> called <api> (<what>)", or for a failed call "<actor> attempted <api> (<what>), denied
 * with AccessDenied": the reason line of a detection that judges one call.
 */
export function describeCall(use: CredentialUse, what: string): string {
  return use.errorCode === undefined
    ? `${describeActor(use)} called ${apiOf(use)} (${what})`
    : `${describeActor(use)} attempted ${apiOf(use)} (${what}), ${failure(use.errorCode)}`;
}

/**
 * True for a refused call that CloudTrail logged without its request (`requestParameters: null`, as
 * IAM, Lambda and RDS log denied calls): what it would have done is unknown, only that it was tried.
 */
export function refusedUnlogged(use: CredentialUse): boolean {
  return use.errorCode !== undefined && use.requestParameters === undefined;
}
