import type { SQSBatchResponse } from "aws-lambda";
import { show } from "../../shared/domain/errors.ts";
import { eventBridgeEventSchema, sqsMessageSchema } from "../common/event-schemas.ts";
import type { FunctionLog } from "../common/log.ts";
import {
  emptyCounts,
  type IntakeItem,
  type IntakeResult,
  type RecordIntake,
} from "../common/record-intake.ts";
import { describeIssues, parseSqsBatch } from "../common/sqs-batch.ts";

/** One SQS message whose body is an EventBridge event (a CloudTrail record in `detail`). */
const messageSchema = sqsMessageSchema(eventBridgeEventSchema);

/** What the evaluate handler needs. */
export interface EvaluateDeps {
  readonly intake: RecordIntake;
  readonly log: FunctionLog;
}

/**
 * The evaluate function: EventBridge → SQS → here, in batches. Each message's body must be an
 * EventBridge event carrying a CloudTrail record; the records of the batch go through the
 * {@link RecordIntake} together (one read of the state they need, one commit of what they changed).
 * A message whose body is not such an event is reported in `batchItemFailures` (SQS redelivers it,
 * then moves it to the dead-letter queue); when evaluating or storing fails, every message carrying a
 * record is reported (a redelivered event already stored is skipped as a duplicate).
 */
export function createEvaluateHandler(deps: EvaluateDeps): (event: unknown) => Promise<SQSBatchResponse> {
  const { intake, log } = deps;
  return async (event) => {
    const batch = parseSqsBatch(event, "EventBridge events");
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    const counts = emptyCounts();
    const items: IntakeItem[] = [];
    const messageIds: string[] = [];
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
      items.push({ value: message.data.body, origin: { file: `sqs:${messageId}`, line: 0, index } });
      messageIds.push(messageId);
    }
    let evaluation: IntakeResult["evaluation"] | undefined;
    let handedOff: IntakeResult["handedOff"];
    try {
      const result = await intake.takeAll(items);
      for (const outcome of result.outcomes) counts[outcome] += 1;
      evaluation = result.evaluation;
      handedOff = result.handedOff;
    } catch (error) {
      log.error("evaluating the batch failed", { messages: messageIds.length, error });
      for (const itemIdentifier of messageIds) failures.push({ itemIdentifier });
    }
    log.info("batch done", {
      messages: batch.Records.length,
      failed: failures.length,
      ...counts,
      ...(evaluation === undefined ? {} : { state: evaluation }),
      ...(handedOff === undefined ? {} : { handedOff }),
    });
    return { batchItemFailures: failures };
  };
}
