import { consoleLoginNoMfa } from "./console-login-no-mfa.ts";
import { credentialExfiltration } from "./credential-exfiltration.ts";
import type { Detection } from "./detection.ts";
import { discoveryBurst } from "./discovery-burst.ts";
import { failuresThenSuccess } from "./failures-then-success.ts";
import { loggingTampering } from "./logging-tampering.ts";
import { newSource } from "./new-source.ts";
import { outsideWindow } from "./outside-window.ts";
import { persistence } from "./persistence.ts";
import { privilegeEscalation } from "./privilege-escalation.ts";
import { rootUsage } from "./root-usage.ts";
import { secretReadUnapproved } from "./secret-read-unapproved.ts";
import { unexpectedRegion } from "./unexpected-region.ts";
import { unexpectedSource } from "./unexpected-source.ts";
import { useAfterRevocation } from "./use-after-revocation.ts";

/** Every detection vigil runs, in the order of the DESIGN.md table. */
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
];
