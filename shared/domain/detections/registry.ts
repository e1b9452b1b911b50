import { accountRecon } from "./account-recon.ts";
import { computeAbuse } from "./compute-abuse.ts";
import { consoleLoginNoMfa } from "./console-login-no-mfa.ts";
import { credentialAccess } from "./credential-access.ts";
import { credentialExfiltration } from "./credential-exfiltration.ts";
import { dataDestruction } from "./data-destruction.ts";
import type { Detection } from "./detection.ts";
import { discoveryBurst } from "./discovery-burst.ts";
import { externalSharing } from "./external-sharing.ts";
import { failuresThenSuccess } from "./failures-then-success.ts";
import { loggingTampering } from "./logging-tampering.ts";
import { modelAbuse } from "./model-abuse.ts";
import { networkExposure } from "./network-exposure.ts";
import { newSource } from "./new-source.ts";
import { outsideWindow } from "./outside-window.ts";
import { persistence } from "./persistence.ts";
import { privilegeEscalation } from "./privilege-escalation.ts";
import { reconBurst } from "./recon-burst.ts";
import { remoteExecution } from "./remote-execution.ts";
import { rootUsage } from "./root-usage.ts";
import { secretReadUnapproved } from "./secret-read-unapproved.ts";
import { unexpectedRegion } from "./unexpected-region.ts";
import { unexpectedSource } from "./unexpected-source.ts";
import { useAfterRevocation } from "./use-after-revocation.ts";

/** Every detection vigil runs: the DESIGN.md table's, then the attack-technique signals, as in SIGNAL_IDS. */
export const DETECTIONS: readonly Detection[] = [
  unexpectedSource,
  outsideWindow,
  unexpectedRegion,
  newSource,
  secretReadUnapproved,
  privilegeEscalation,
  persistence,
  credentialExfiltration,
  useAfterRevocation,
  failuresThenSuccess,
  discoveryBurst,
  loggingTampering,
  rootUsage,
  consoleLoginNoMfa,
  externalSharing,
  networkExposure,
  credentialAccess,
  remoteExecution,
  computeAbuse,
  modelAbuse,
  dataDestruction,
  reconBurst,
  accountRecon,
];
