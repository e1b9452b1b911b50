import { describe, expect, it } from "vitest";
import { MemoryBaselines } from "../../../shared/domain/baseline/memory-baselines.ts";
import type { Detection } from "../../../shared/domain/detections/detection.ts";
import type { BreakGlassException } from "../../../shared/domain/exceptions/exception.ts";
import { activeExceptionsSnapshot } from "../../../shared/domain/exceptions/snapshot.ts";
import { normalizeRecord } from "../../../shared/domain/normalize/normalize.ts";
import { Evaluator } from "../../../shared/domain/pipeline/evaluator.ts";
import { ExposureBook } from "../../../shared/domain/pipeline/exposure-book.ts";
import { configOf, fakeNetwork } from "../../support/context.ts";
import { TestClock } from "../../support/oncall.ts";
import { userKeyRecord } from "../../support/records.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const USER = "arn:aws:iam::111122223333:user/svc-ci";

const tampering: Detection = {
  id: "logging-tampering",
  title: "test detection",
  weight: 35,
  attack: ["T1078.004"],
  evaluate: (use) =>
    use.eventName === "StopLogging" ? { id: "logging-tampering", reason: "stopped the trail" } : undefined,
};

function useOf(eventID: string) {
  const result = normalizeRecord(
    userKeyRecord({ eventID, eventSource: "cloudtrail.amazonaws.com", eventName: "StopLogging" }),
    { file: "t.json", line: 1, index: 0 },
  );
  if (result.kind !== "use") throw new Error("not a use");
  return result.use;
}

function granted(fields: Partial<BreakGlassException> = {}): BreakGlassException {
  return {
    id: "exc-1",
    scope: { kind: "principal", arn: USER },
    playbooks: [],
    signals: [],
    reason: "incident 4711",
    grantedBy: "alice",
    grantedAt: T0,
    expiresAt: T0 + 3_600_000,
    ...fields,
  };
}

/** An evaluator and a book deciding with a snapshot of `loaded`, as a run loads it at its start. */
function world(...loaded: BreakGlassException[]) {
  const clock = new TestClock(T0);
  const exceptions = activeExceptionsSnapshot(loaded);
  const config = configOf({ policy: { auto: "medium", approval: "never", notify: "never" } });
  const evaluator = new Evaluator({
    config,
    detections: [tampering],
    baselines: new MemoryBaselines(),
    network: fakeNetwork(),
    clock,
    exceptions,
  });
  const book = new ExposureBook(config, clock, exceptions);
  return { clock, evaluator, book };
}

describe("Evaluator with break-glass exceptions", () => {
  it("still detects and scores, but decides suppressed-by-exception while one is in force", () => {
    const { evaluator, clock } = world(granted());
    clock.set(T0 + 3_599_000);
    const evaluation = evaluator.evaluate(useOf("e1"));
    expect(evaluation?.finding).toMatchObject({
      signals: ["logging-tampering"],
      decision: "suppressed-by-exception",
    });
    expect(evaluation?.finding.score).toBeGreaterThan(0);
    expect(evaluation?.finding.playbook?.id).toBe("deactivate-access-key");
  });

  it("decides as usual from the expiry instant on, with no sweep having run", () => {
    const { evaluator, clock } = world(granted());
    clock.set(T0 + 3_600_000);
    expect(evaluator.evaluate(useOf("e1"))?.finding.decision).toBe("auto");
  });

  it("decides as usual without exceptions or for another principal", () => {
    expect(world().evaluator.evaluate(useOf("e1"))?.finding.decision).toBe("auto");
    const other = world(granted({ scope: { kind: "principal", arn: `${USER}-other` } }));
    expect(other.evaluator.evaluate(useOf("e2"))?.finding.decision).toBe("auto");
  });
});

describe("ExposureBook with break-glass exceptions", () => {
  it("reads the exceptions when it ranks, against the clock at that moment", () => {
    const { evaluator, clock, book } = world(granted());
    const evaluation = evaluator.evaluate(useOf("e1"))!;
    book.add(evaluation.finding, evaluation.facts);
    expect(book.ranked()[0]?.decision).toBe("suppressed-by-exception");
    expect(book.ranked()[0]?.decisionReason).toMatch(/^suppressed by exception exc-1 /);
    clock.set(T0 + 3_600_000);
    expect(book.ranked()[0]?.decision).toBe("auto");
  });
});
