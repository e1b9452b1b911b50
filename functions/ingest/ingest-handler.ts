import type { SQSBatchResponse } from "aws-lambda";
import * as z from "zod";
import { show } from "../../shared/domain/errors.ts";
import type { TrailObjects } from "../../shared/ports/trail-objects.ts";
import { s3NotificationSchema, sqsMessageSchema } from "../common/event-schemas.ts";
import type { FunctionLog } from "../common/log.ts";
import {
  emptyCounts,
  type IntakeCounts,
  type IntakeItem,
  type RecordIntake,
} from "../common/record-intake.ts";
import { describeIssues, parseSqsBatch } from "../common/sqs-batch.ts";
import { trailRecords } from "./trail-records.ts";

/** The message S3 sends once when a notification is configured; there is nothing to read. */
const testEventSchema = z.object({ Service: z.literal("Amazon S3"), Event: z.literal("s3:TestEvent") });
const messageSchema = sqsMessageSchema(z.union([s3NotificationSchema, testEventSchema]));

/** What the ingest handler needs. */
export interface IngestDeps {
  readonly intake: RecordIntake;
  readonly objects: TrailObjects;
  readonly log: FunctionLog;
}

/**
 * The object key of an S3 notification, decoded: S3 sends keys URL-encoded with `+` for spaces.
 */
export function notificationKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** True for a CloudTrail log file (`…/CloudTrail/…json.gz`); digest and Insights files are not. */
export function isTrailLogFile(key: string): boolean {
  return key.includes("/CloudTrail/") && key.endsWith(".json.gz");
}

/**
 * The ingest function: a new trail file in S3 → S3 notification → SQS → here. It reads each file
 * through the {@link TrailObjects} port and runs its records through the {@link RecordIntake}, a
 * thousand at a time: this is the reconciliation path for events EventBridge never delivered, and an
 * event the live path already stored is skipped by its event id, whichever instance stored it. A message whose file cannot be read or whose
 * evaluation throws is reported in `batchItemFailures` (retried, then dead-lettered).
 */
export function createIngestHandler(deps: IngestDeps): (event: unknown) => Promise<SQSBatchResponse> {
  const { log } = deps;
  return async (event) => {
    const batch = parseSqsBatch(event, "S3 notifications");
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    const counts = emptyCounts();
    let files = 0;
    for (const raw of batch.Records) {
      const messageId = raw.messageId;
      const message = messageSchema.safeParse(raw);
      if (!message.success) {
        log.error("message is not an S3 notification", {
          messageId,
          problems: describeIssues(message.error),
          body: show(raw.body, 200),
        });
        failures.push({ itemIdentifier: messageId });
        continue;
      }
      const body = message.data.body;
      if (!("Records" in body)) continue; // s3:TestEvent
      try {
        for (const record of body.Records) {
          const key = notificationKey(record.s3.object.key);
          if (!record.eventName.startsWith("ObjectCreated:") || !isTrailLogFile(key)) {
            log.debug("object skipped", { eventName: record.eventName, key });
            continue;
          }
          await ingestFile(deps, record.s3.bucket.name, key, counts);
          files += 1;
        }
      } catch (error) {
        log.error("ingesting the trail file failed", { messageId, error });
        failures.push({ itemIdentifier: messageId });
      }
    }
    log.info("batch done", { messages: batch.Records.length, files, failed: failures.length, ...counts });
    return { batchItemFailures: failures };
  };
}

/** Records of a trail file evaluated together: one state read and a few commits per this many. */
export const INGEST_CHUNK = 1_000;

async function ingestFile(
  deps: IngestDeps,
  bucket: string,
  key: string,
  counts: IntakeCounts,
): Promise<void> {
  const file = `s3://${bucket}/${key}`;
  const bytes = await deps.objects.open(bucket, key);
  let items: IntakeItem[] = [];
  const flush = async () => {
    const { outcomes } = await deps.intake.takeAll(items);
    for (const outcome of outcomes) counts[outcome] += 1;
    items = [];
  };
  for await (const item of trailRecords(bytes)) {
    const origin = { file, line: item.line, index: item.index };
    if (item.kind === "error") {
      deps.log.warn("record rejected", { origin, error: item.error });
      counts.rejected += 1;
      continue;
    }
    items.push({ value: item.value, origin });
    if (items.length >= INGEST_CHUNK) await flush();
  }
  if (items.length > 0) await flush();
}
