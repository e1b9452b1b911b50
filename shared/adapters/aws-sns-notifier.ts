import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Notification, Notifier } from "../ports/notifier.ts";
import { call } from "./aws-errors.ts";
import type { AwsClientOptions } from "./aws-iam-gateway.ts";

/** An SNS client on the default credential chain, SDK retries off (the executor retries). */
export function createSnsClient(options: AwsClientOptions = {}): SNSClient {
  return new SNSClient({
    maxAttempts: 1,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
}

/** Publishes notifications to one SNS topic. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<string> {
    const output = await call("Publish", () =>
      this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: notification.subject,
          Message: notification.message,
        }),
      ),
    );
    return output.MessageId ?? "";
  }
}
