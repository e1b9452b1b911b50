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
