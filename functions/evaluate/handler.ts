import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";
import { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { powertoolsLog } from "../common/log.ts";
import { RecentEvents } from "../common/recent-events.ts";
import { logFindingRecorder, RecordIntake } from "../common/record-intake.ts";
import { loadEvaluateSettings } from "./config.ts";
import { createEvaluateHandler } from "./evaluate-handler.ts";

// The only wiring place of the evaluate function. Everything here runs once per cold start: a bad
// setting or config stops the start with a StartupError that says which and how to fix it.
const logger = new Logger({ serviceName: "vigil-evaluate" });
const settings = loadEvaluateSettings(process.env, dirname(fileURLToPath(import.meta.url)));
const log = powertoolsLog(logger);
const evaluate = createEvaluateHandler({
  log,
  intake: new RecordIntake({
    config: settings.config,
    // Baselines live in this instance's memory for now; durable baselines in DynamoDB come next.
    baselines: new MemoryBaselines(),
    network: new AwsNetworkClassifier({ packageDir: settings.rangesDir }),
    clock: systemClock,
    recent: new RecentEvents(),
    findings: logFindingRecorder(log, settings.mode),
    log,
  }),
});

/** Lambda entry point: an SQS batch of EventBridge events → partial batch failures. */
export const handler = async (event: unknown, context?: Context) => {
  if (context !== undefined) logger.addContext(context);
  return evaluate(event);
};
