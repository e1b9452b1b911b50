import { Duration, Validations } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/** What a vigil schedule sends its function: which schedule fired, when it was due, which attempt. */
const SCHEDULE_INPUT = scheduler.ScheduleTargetInput.fromObject({
  source: "vigil.scheduler",
  scheduleArn: scheduler.ContextAttribute.scheduleArn,
  scheduledTime: scheduler.ContextAttribute.scheduledTime,
  executionId: scheduler.ContextAttribute.executionId,
  attempt: scheduler.ContextAttribute.attemptNumber,
});

/**
 * An EventBridge Scheduler schedule (construct id `id`) invoking `fn` on `expression`, with the
 * schedule's context as input, one retry within `maxEventAge`, and what still fails in `deadLetterQueue`.
 */
export function functionSchedule(
  scope: Construct,
  id: string,
  options: {
    fn: lambda.IFunction;
    expression: scheduler.ScheduleExpression;
    description: string;
    maxEventAge: Duration;
    deadLetterQueue: sqs.IQueue;
  },
): scheduler.Schedule {
  return new scheduler.Schedule(scope, id, {
    schedule: options.expression,
    description: options.description,
    target: new LambdaInvoke(options.fn, {
      input: SCHEDULE_INPUT,
      retryAttempts: 1,
      maxEventAge: options.maxEventAge,
      deadLetterQueue: options.deadLetterQueue,
    }),
  });
}

/** Every minute: the expiry function's follow-ups (approvals, exceptions, hand-offs) lag by at most this. */
export const EXPIRY_EVERY = scheduler.ScheduleExpression.rate(Duration.minutes(1));
/** Daily at 02:00 UTC: the records export. */
export const EXPORT_AT = scheduler.ScheduleExpression.cron({ minute: "0", hour: "2" });
/** How long a missed invocation is still worth retrying. */
export const EXPIRY_MAX_AGE = Duration.minutes(1);
export const EXPORT_MAX_AGE = Duration.hours(1);

/**
 * Where the schedules put invocations that still failed after their retry (construct id
 * `SchedulesDeadLetterQueue`). SQS-managed encryption: EventBridge Scheduler's target role would
 * otherwise need the KMS key too. An alarm watches it.
 */
export function schedulesDeadLetterQueue(scope: Construct): sqs.Queue {
  const queue = new sqs.Queue(scope, "SchedulesDeadLetterQueue", {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: "AwsSolutions-SQS3",
    reason:
      "It is itself the dead-letter queue of the schedules (EventBridge Scheduler's, not an SQS redrive).",
  });
  return queue;
}
