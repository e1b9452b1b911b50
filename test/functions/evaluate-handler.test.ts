import { describe, expect, it } from "vitest";
import { NotAnSqsBatchError } from "../../functions/common/sqs-batch.ts";
import { createEvaluateHandler } from "../../functions/evaluate/evaluate-handler.ts";
import { SqliteEventStateStore } from "../../shared/adapters/sqlite-event-state.ts";
import type { EventStateStore } from "../../shared/ports/event-state-store.ts";
import { eventBridgeEvent, sqsBatch, sqsMessage, testIntake } from "./support.ts";

/** A quiet call of the declared key from its expected network. */
const expectedCall = () =>
  eventBridgeEvent({
    eventID: "11111111-2222-4333-8444-555555555555",
    eventSource: "s3.amazonaws.com",
    eventName: "ListBuckets",
    sourceIPAddress: "203.0.113.10",
    readOnly: true,
  });

describe("createEvaluateHandler", () => {
  it("evaluates an SQS batch of EventBridge events: a finding for the tampering call, none for the expected call", async () => {
    const { intake, findings, log } = testIntake();
    const handler = createEvaluateHandler({ intake, log });
    const result = await handler(
      sqsBatch(sqsMessage(eventBridgeEvent(), "m-1"), sqsMessage(expectedCall(), "m-2")),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(findings()).toHaveLength(1);
    expect(findings()[0]).toMatchObject({
      eventId: "9c1e7a52-3b4d-4f6e-8a9b-0c1d2e3f4a5b",
      eventName: "StopLogging",
      credential: { kind: "access-key", id: "AKIAIOSFODNN7CIKEY01" },
      signals: expect.arrayContaining(["logging-tampering", "unexpected-source"]),
      origin: { file: "sqs:m-1", line: 0, index: 0 },
    });
  });

  it("evaluates the same eventID once, in one batch and in a later one", async () => {
    const { intake, findings, log, lines } = testIntake();
    const handler = createEvaluateHandler({ intake, log });
    await handler(sqsBatch(sqsMessage(eventBridgeEvent(), "m-1"), sqsMessage(eventBridgeEvent(), "m-2")));
    const later = await handler(sqsBatch(sqsMessage(eventBridgeEvent(), "m-3")));
    expect(later).toEqual({ batchItemFailures: [] });
    expect(findings()).toHaveLength(1);
    expect(lines.filter((l) => l.message === "duplicate event skipped")).toHaveLength(2);
  });

  it("reports a message that is not an EventBridge event as a batch item failure, and finishes the others", async () => {
    const { intake, findings, log, lines } = testIntake();
    const handler = createEvaluateHandler({ intake, log });
    const result = await handler(
      sqsBatch(
        sqsMessage("{not json", "bad-json"),
        sqsMessage({ hello: "world" }, "not-an-event"),
        sqsMessage(eventBridgeEvent(), "good"),
      ),
    );
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: "bad-json" },
      { itemIdentifier: "not-an-event" },
    ]);
    expect(findings()).toHaveLength(1);
    const errors = lines.filter((l) => l.level === "error");
    expect(errors.map((l) => l.attributes.messageId)).toEqual(["bad-json", "not-an-event"]);
    expect(errors[1]?.attributes.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^body/)]));
  });

  it("logs an event vigil cannot read as rejected without failing it (a retry would not change it)", async () => {
    const { intake, findings, log, lines } = testIntake();
    const handler = createEvaluateHandler({ intake, log });
    const foreign = { ...eventBridgeEvent(), "detail-type": "EC2 Instance State-change Notification" };
    const result = await handler(sqsBatch(sqsMessage(foreign, "m-1")));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(findings()).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "record rejected",
        attributes: expect.objectContaining({
          error: expect.stringContaining("carries no CloudTrail record"),
        }),
      }),
    );
  });

  it("fails every message carrying a record when the store refuses the commit, and evaluates them again on redelivery", async () => {
    const inner = new SqliteEventStateStore(":memory:");
    let failures = 1;
    const store: EventStateStore = {
      loadBaselines: (refs) => inner.loadBaselines(refs),
      processed: (ids, now) => inner.processed(ids, now),
      loadExposures: (keys) => inner.loadExposures(keys),
      findingsOf: (key, limit) => inner.findingsOf(key, limit),
      pendingHandoffs: (limit) => inner.pendingHandoffs(limit),
      completeHandoff: (handoff) => inner.completeHandoff(handoff),
      commit: async (changes, now) => {
        if (failures-- > 0) throw new Error("store unavailable");
        return inner.commit(changes, now);
      },
    };
    const { intake, log, findings, lines } = testIntake({ store });
    const handler = createEvaluateHandler({ intake, log });
    const first = await handler(
      sqsBatch(
        sqsMessage(eventBridgeEvent(), "m-1"),
        sqsMessage(expectedCall(), "m-2"),
        sqsMessage("x", "m-3"),
      ),
    );
    expect(first.batchItemFailures).toEqual([
      { itemIdentifier: "m-3" },
      { itemIdentifier: "m-1" },
      { itemIdentifier: "m-2" },
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "evaluating the batch failed" }),
    );
    expect(findings()).toEqual([]);
    const retry = await handler(sqsBatch(sqsMessage(eventBridgeEvent(), "m-1")));
    expect(retry.batchItemFailures).toEqual([]);
    expect(findings().map((f) => f.eventId)).toEqual(["9c1e7a52-3b4d-4f6e-8a9b-0c1d2e3f4a5b"]);
  });

  it("logs a summary of the batch", async () => {
    const { intake, log, lines } = testIntake();
    await createEvaluateHandler({ intake, log })(
      sqsBatch(
        sqsMessage(eventBridgeEvent(), "m-1"),
        sqsMessage(expectedCall(), "m-2"),
        sqsMessage("x", "m-3"),
      ),
    );
    expect(lines.at(-1)).toEqual({
      level: "info",
      message: "batch done",
      attributes: {
        messages: 3,
        failed: 1,
        finding: 1,
        quiet: 1,
        duplicate: 0,
        ignored: 0,
        rejected: 0,
        state: {
          commits: 1,
          conflicts: 0,
          baselineWrites: expect.any(Number),
          writesByNamespace: expect.any(Object),
          unchangedSets: expect.any(Number),
          marked: 1,
          handoffs: 1,
        },
      },
    });
  });

  it("throws when invoked with something other than an SQS batch", async () => {
    const { intake, log } = testIntake();
    const handler = createEvaluateHandler({ intake, log });
    await expect(handler(eventBridgeEvent())).rejects.toThrow(NotAnSqsBatchError);
    await expect(handler({ Records: [] })).rejects.toThrow(/expected an SQS batch .* of EventBridge events/);
  });
});
