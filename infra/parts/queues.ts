import { Duration } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/** Deliveries of a message before it moves to its dead-letter queue. */
export const MAX_RECEIVES = 5;
/** How long a dead-letter queue's messages wait to be looked at (its source queue keeps them 4 days). */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** A work queue and the dead-letter queue it moves a message to after {@link MAX_RECEIVES} receives. */
export interface QueuePair {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * Two queues named after `name` (construct ids `<name>DeadLetterQueue` and `<name>Queue`), both
 * encrypted with `key` and TLS-only. `visibilityTimeout` should be six times the consuming function's
 * timeout, as Lambda recommends for SQS event sources.
 */
export function queuePair(
  scope: Construct,
  name: string,
  options: { key: kms.IKey; visibilityTimeout: Duration },
): QueuePair {
  const deadLetterQueue = encryptedQueue(scope, `${name}DeadLetterQueue`, {
    key: options.key,
    visibilityTimeout: Duration.seconds(30),
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
  const queue = encryptedQueue(scope, `${name}Queue`, {
    key: options.key,
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
  });
  return { queue, deadLetterQueue };
}

function encryptedQueue(
  scope: Construct,
  id: string,
  options: {
    key: kms.IKey;
    visibilityTimeout: Duration;
    retentionPeriod: Duration;
    deadLetterQueue?: sqs.DeadLetterQueue;
  },
): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: options.key,
    enforceSSL: true,
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: options.retentionPeriod,
    deadLetterQueue: options.deadLetterQueue,
  });
}
