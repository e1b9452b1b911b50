import { createHash } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { PlaybookRequest } from "../domain/playbooks/executor.ts";
import type { PlaybookDispatch } from "../ports/playbook-dispatch.ts";
import { call } from "./aws-errors.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Queues playbook requests on vigil's actions queue, an SQS FIFO queue the execute function reads:
 * messages of one principal form one group (one run at a time, in decision order), and the same
 * decision queued twice within SQS's five-minute window is delivered once (the deduplication id is the
 * SHA-256 of the dedupe key; past the window the executor resumes or repeats idempotent steps).
 */
export class SqsPlaybookDispatch implements PlaybookDispatch {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async dispatch(request: PlaybookRequest, dedupeKey: string): Promise<void> {
    const body = { request, dedupeKey } satisfies { request: PlaybookRequest; dedupeKey: string };
    await call("SendMessage", () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: sha256(request.principalArn),
          MessageDeduplicationId: sha256(dedupeKey),
        }),
      ),
    );
  }
}
