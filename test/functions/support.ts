import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { EventBatchEvaluator } from "../../functions/common/event-batch.ts";
import type { Mode } from "../../functions/common/function-config.ts";
import type { FunctionLog } from "../../functions/common/log.ts";
import { RecordIntake } from "../../functions/common/record-intake.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import type { Finding } from "../../shared/domain/finding.ts";
import type { HandoffDeps } from "../../shared/domain/pipeline/handoff.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import { configOf, fakeNetwork } from "../support/context.ts";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

/** The EventBridge event EventBridge delivers for a CloudTrail record (fixture: StopLogging by svc-ci's key). */
export function eventBridgeEvent(detailOverrides: Record<string, unknown> = {}): Record<string, unknown> {
  const event = fixture("eventbridge-stop-logging.json");
  return { ...event, detail: { ...(event.detail as Record<string, unknown>), ...detailOverrides } };
}

/** One SQS message as Lambda receives it; a non-string body is sent as its JSON. */
export function sqsMessage(body: unknown, messageId: string): Record<string, unknown> {
  return {
    ...fixture("sqs-message.json"),
    messageId,
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** An SQS event of several messages. */
export function sqsBatch(...messages: Record<string, unknown>[]): { Records: Record<string, unknown>[] } {
  return { Records: messages };
}

/** The S3 notification of a new object (fixture: a CloudTrail log file), with another key or event. */
export function s3Notification(key?: string, eventName = "ObjectCreated:Put", bucket = "vigil-trail-bucket") {
  const event = fixture("s3-object-created.json") as { Records: Array<Record<string, unknown>> };
  const [record] = event.Records as Array<{
    s3: { bucket: Record<string, unknown>; object: Record<string, unknown> };
  }>;
  return {
    Records: [
      {
        ...record,
        eventName,
        s3: {
          ...record!.s3,
          bucket: { ...record!.s3.bucket, name: bucket },
          object: { ...record!.s3.object, key: key ?? record!.s3.object.key },
        },
      },
    ],
  };
}

/** The (URL-encoded, as S3 sends it) key of the fixture's trail file. */
export const TRAIL_KEY = (s3Notification().Records[0]!.s3.object as { key: string }).key;

/** A gzipped CloudTrail trail file, as CloudTrail writes it to S3. */
export function trailFile(records: readonly unknown[]): Buffer {
  return gzipSync(JSON.stringify({ Records: records }));
}

/** The declared identity the function tests watch: svc-ci's key, from 203.0.113.0/24 only. */
export const TEST_CONFIG: ConfigInput = {
  profiles: [
    {
      id: "ci-deployer",
      match: { users: ["arn:aws:iam::111122223333:user/svc-ci"], accessKeys: ["AKIAIOSFODNN7CIKEY01"] },
      sources: ["203.0.113.0/24"],
      criticality: "high",
      playbook: "deactivate-access-key",
    },
  ],
};

/** One logged line, kept by {@link capturingLog}. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** A FunctionLog that keeps its lines for assertions. */
export function capturingLog(lines: LogLine[]): FunctionLog {
  const at =
    (level: LogLine["level"]) =>
    (message: string, attributes: Record<string, unknown> = {}) =>
      lines.push({ level, message, attributes });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * A RecordIntake over the embedded store in memory, with what it stored and logged; `handoffs` wires
 * the hand-offs after each commit (their `enforce` should match `mode`, default observe).
 */
export function testIntake(
  options: { config?: ConfigInput; store?: EventStateStore; mode?: Mode; handoffs?: HandoffDeps } = {},
) {
  const lines: LogLine[] = [];
  const log = capturingLog(lines);
  const store = options.store ?? new SqliteEventStateStore(":memory:");
  const intake = new RecordIntake({
    mode: options.mode ?? "observe",
    log,
    ...(options.handoffs === undefined ? {} : { handoffs: { store, deps: options.handoffs } }),
    batch: new EventBatchEvaluator({
      config: configOf(options.config ?? TEST_CONFIG),
      network: fakeNetwork(),
      clock: { now: () => Date.parse("2026-03-04T00:00:00Z") },
      store,
    }),
  });
  /** The findings logged so far, in order. */
  const findings = () =>
    lines.filter((l) => l.message === "finding").map((l) => l.attributes.finding as Finding);
  return { intake, findings, lines, log, store };
}
