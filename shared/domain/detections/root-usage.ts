import { describeSource } from "../config/sources.ts";
import { show } from "../errors.ts";
import { failure } from "./describe.ts";
import type { Detection } from "./detection.ts";

/**
 * `root-usage`: the account's root user made a call or signed in. Calls an AWS service makes as root
 * on the account's behalf (`invokedBy` set, or an `AwsServiceEvent`) are not root usage and stay quiet.
 */
export const rootUsage: Detection = {
  id: "root-usage",
  title: "Root user used",
  weight: 30,
  attack: ["T1078.004"],
  evaluate(use) {
    if (use.credential.kind !== "root") return undefined;
    if (use.principal.invokedBy !== undefined || use.eventType === "AwsServiceEvent") return undefined;
    const account = use.principal.accountId ?? use.accountId;
    const shown =
      account === undefined ? "(not logged)" : /^\d{12}$/.test(account) ? account : show(account, 40);
    const from = describeSource(use.source);
    const who = `root user of account ${shown}`;
    if (use.eventName === "ConsoleLogin" && use.eventSource === "signin.amazonaws.com") {
      const mfa = use.mfaUsed === undefined ? "" : use.mfaUsed ? " with MFA" : " without MFA";
      const reason =
        use.errorCode === undefined
          ? `${who} signed in to the console from ${from}${mfa}`
          : `${who} failed to sign in to the console from ${from} (${use.errorCode})`;
      return { id: "root-usage", reason };
    }
    const api = `${use.eventSource.replace(/\.amazonaws\.com$/, "")}:${use.eventName}`;
    const reason =
      use.errorCode === undefined
        ? `${who} called ${api} from ${from}`
        : `${who} attempted ${api} from ${from}, ${failure(use.errorCode)}`;
    return { id: "root-usage", reason };
  },
};
