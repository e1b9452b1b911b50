import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { powertoolsLog } from "../common/log.ts";
import { wireDeciding, wireIntake } from "../common/state-wiring.ts";
import { loadEvaluateSettings } from "./config.ts";
import { createEvaluateHandler } from "./evaluate-handler.ts";

// The only wiring place of the evaluate function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it (the link
// secret is read when the first approval request is announced). It holds no IAM permission to act: `auto` playbooks go to the actions queue.
const logger = new Logger({ serviceName: "vigil-evaluate" });
const settings = loadEvaluateSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const evaluate = createEvaluateHandler({
  log,
  intake: wireIntake(settings, wireDeciding(settings), log),
});

/** Lambda entry point: an SQS batch of EventBridge events → partial batch failures. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return evaluate(event);
};
