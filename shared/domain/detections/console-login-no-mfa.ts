import { describeSource } from "../config/sources.ts";
import { show } from "../errors.ts";
import type { Detection } from "./detection.ts";

/** Identities whose MFA AWS itself checks at sign-in; federated sign-ins do MFA at their identity provider. */
const AWS_CHECKED_MFA: ReadonlySet<string> = new Set(["IAMUser", "Root"]);

/**
 * `console-login-no-mfa`: an IAM user or the root user signed in to the console without MFA.
 * Federated and IAM Identity Center sign-ins log `MFAUsed: "No"` because MFA happens at the identity
 * provider, so they are not judged; failed sign-ins are not a login.
 */
export const consoleLoginNoMfa: Detection = {
  id: "console-login-no-mfa",
  title: "Console sign-in without MFA",
  weight: 20,
  attack: ["T1078.004"],
  evaluate(use) {
    if (use.eventName !== "ConsoleLogin" || use.eventSource !== "signin.amazonaws.com") return undefined;
    if (use.errorCode !== undefined || use.mfaUsed !== false) return undefined;
    if (!AWS_CHECKED_MFA.has(use.principal.type)) return undefined;
    const who = use.principal.type === "Root" ? "root user" : "IAM user";
    return {
      id: "console-login-no-mfa",
      reason: `${who} ${show(use.principal.arn, 160)} signed in to the console from ${describeSource(use.source)} without MFA (MFAUsed: No)`,
    };
  },
};
