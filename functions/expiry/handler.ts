import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { DynamoStoredExposures } from "../../shared/adapters/dynamodb-exposures.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { powertoolsLog } from "../common/log.ts";
import { wireDeciding } from "../common/state-wiring.ts";
import { loadExpirySettings } from "./config.ts";
import { createExpiryHandler } from "./expiry-handler.ts";

// The only wiring place of the expiry function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it (the link
// secret is read when the first approval request is announced). It holds no IAM permission to act: the playbooks its sweeps decide go to the actions queue, and
// in observe mode nowhere (no approval is requested either; the ends and decisions are recorded).
const logger = new Logger({ serviceName: "vigil-expiry" });
const settings = loadExpirySettings(process.env, dirname(fileURLToPath(import.meta.url)));
const wiring = wireDeciding(settings);
const ports = {
  config: settings.config,
  exceptions: wiring.exceptions,
  exposures: new DynamoStoredExposures(wiring.table),
  ledger: wiring.ledger,
  clock: systemClock,
};
const expiry = createExpiryHandler({
  log: powertoolsLog(logger),
  approvals: wiring.approvals,
  exceptions:
    settings.mode === "enforce"
      ? { ...ports, approvals: wiring.approvals, dispatch: wiring.dispatch }
      : ports,
  handoffs: { store: wiring.state, deps: wiring.handoffs },
});

/** Lambda entry point: a schedule's event → what the sweeps and the hand-off drain did. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return expiry(event);
};
