/** An SQS record of a FIFO queue as Lambda delivers it: `body` as received, the queue named by its URL. */
export function sqsRecord(messageId: string, body: string, queueUrl: string) {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1767225600000",
      SenderId: "AROAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1767225600001",
      MessageGroupId: "g",
      MessageDeduplicationId: "d",
      SequenceNumber: "1",
    },
    messageAttributes: {},
    md5OfBody: "0".repeat(32),
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queueUrl.split("/").pop()}`,
    awsRegion: "us-east-1",
  };
}
