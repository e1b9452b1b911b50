import { JSONStringified } from "@aws-lambda-powertools/parser/helpers";
import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import { SqsRecordSchema } from "@aws-lambda-powertools/parser/schemas/sqs";
import type { SQSBatchResponse } from "aws-lambda";
import { show } from "../../shared/domain/errors.ts";
import type { FunctionLog } from "../common/log.ts";
import { emptyCounts, type RecordIntake } from "../common/record-intake.ts";
import { describeIssues, parseSqsBatch } from "../common/sqs-batch.ts";

/** One SQS message whose body is an EventBridge event (a CloudTrail record in `detail`). */
const messageSchema = SqsRecordSchema.extend({ body: JSONStringified(EventBridgeSchema) });

/** What the evaluate handler needs. */
export interface EvaluateDeps {
  readonly intake: RecordIntake;
  readonly log: FunctionLog;
}

/**
 * The evaluate function: EventBridge → SQS → here, in batches. Each message's body must be an
 * EventBridge event carrying a CloudTrail record; the record goes through the {@link RecordIntake}.
 * A message whose body is not such an event, or whose evaluation throws, is reported in
 * `batchItemFailures` (SQS redelivers it, then moves it to the dead-letter queue); the others are done.
 */
export function createEvaluateHandler(deps: EvaluateDeps): (event: unknown) => Promise<SQSBatchResponse> {
  const { intake, log } = deps;
  return async (event) => {
    const batch = parseSqsBatch(event, "EventBridge events");
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    const counts = emptyCounts();
    for (const [index, raw] of batch.Records.entries()) {
      const messageId = raw.messageId;
      const message = messageSchema.safeParse(raw);
      if (!message.success) {
        log.error("message is not an EventBridge event", {
          messageId,
          problems: describeIssues(message.error),
          body: show(raw.body, 200),
        });
        failures.push({ itemIdentifier: messageId });
        continue;
      }
      try {
        const origin = { file: `sqs:${messageId}`, line: 0, index };
        counts[intake.take(message.data.body, origin)] += 1;
      } catch (error) {
        log.error("evaluating the event failed", { messageId, eventId: message.data.body.id, error });
        failures.push({ itemIdentifier: messageId });
      }
    }
    log.info("batch done", { messages: batch.Records.length, failed: failures.length, ...counts });
    return { batchItemFailures: failures };
  };
}
