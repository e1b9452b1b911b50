import { Duration } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { MAX_RECEIVES, type QueuePair } from "./queues.ts";

/**
 * The actions queue (construct ids `ActionsQueue.fifo` pair: `ActionsQueue`, `ActionsDeadLetterQueue`):
 * SQS FIFO, where evaluate, approvals and expiry queue decided playbooks for the execute function.
 * FIFO because one principal's playbooks must run one at a time and in decision order (the message
 * group is the principal), and a decision queued twice must run once (deduplication id from the
 * decision). Encrypted with `key`, TLS-only; a message that fails {@link MAX_RECEIVES} times moves to
 * the dead-letter queue (an alarm watches it).
 */
export function actionsQueue(
  scope: Construct,
  options: { key: kms.IKey; visibilityTimeout: Duration },
): QueuePair {
  const common = {
    fifo: true,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: options.key,
    enforceSSL: true,
  } as const;
  const deadLetterQueue = new sqs.Queue(scope, "ActionsDeadLetterQueue", {
    ...common,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(scope, "ActionsQueue", {
    ...common,
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
  });
  return { queue, deadLetterQueue };
}
