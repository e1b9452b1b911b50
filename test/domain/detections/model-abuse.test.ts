import { describe, expect, it } from "vitest";
import { modelAbuse } from "../../../shared/domain/detections/model-abuse.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf, fakeNetwork } from "../../support/context.ts";
import { type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");
const DAY = 86_400_000;
const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

function bedrock(at: number, eventName: string, extra: RawRecord = {}, build = userKeyRecord): CredentialUse {
  return useOf(
    build({
      eventTime: new Date(at).toISOString(),
      eventID: `b-${at}-${eventName}`,
      eventSource: "bedrock.amazonaws.com",
      eventName,
      requestParameters: { modelId: MODEL },
      readOnly: true,
      ...extra,
    }),
  );
}

/** A role session of an application running in AWS (10.x: private, via the endpoint). */
const app = (at: number, eventName: string, extra: RawRecord = {}) =>
  bedrock(at, eventName, extra, roleSessionRecord);

describe("modelAbuse", () => {
  it("declares its id, weight and ATT&CK technique", () => {
    expect(modelAbuse.id).toBe("model-abuse");
    expect(modelAbuse.weight).toBe(30);
    expect(modelAbuse.attack).toEqual(["T1496.004"]);
  });

  it("fires on model-access requests, not in the console", () => {
    expect(runDetection(modelAbuse, [bedrock(T0, "PutFoundationModelEntitlement")])[0]?.reason).toContain(
      "called bedrock:PutFoundationModelEntitlement (requests access to a foundation model)",
    );
    const inConsole = bedrock(
      T0,
      "CreateFoundationModelAgreement",
      { sessionCredentialFromConsole: "true" },
      roleSessionRecord,
    );
    expect(runDetection(modelAbuse, [inConsole])[0]).toBeUndefined();
  });

  it("fires on a first invocation right after probing availability, or as a long-term key from outside AWS", () => {
    const probed = runDetection(modelAbuse, [
      app(T0, "GetFoundationModelAvailability"),
      app(T0 + 60_000, "InvokeModel"),
    ]);
    expect(firedAt(probed)).toEqual([1]);
    expect(probed[1]?.reason).toContain(
      `invokes model "${MODEL}": right after probing which models the account may use`,
    );
    const leaked = runDetection(
      modelAbuse,
      [bedrock(T0, "Converse")],
      detectionRun({ network: fakeNetwork() }),
    );
    expect(leaked[0]?.reason).toContain("a long-term key used from outside AWS, on its first Bedrock call");
  });

  it("fires on a refused first invocation, and after the learning period on any first invocation", () => {
    expect(
      runDetection(modelAbuse, [app(T0, "InvokeModel", { errorCode: "AccessDeniedException" })])[0]?.reason,
    ).toContain("a credential that never used Bedrock, refused");
    const run = detectionRun({ config: configOf({ learning: { days: 1 } }) });
    const seen = useOf(roleSessionRecord({ eventTime: new Date(T0).toISOString() }));
    const signals = runDetection(modelAbuse, [seen, app(T0 + 2 * DAY, "InvokeModelWithResponseStream")], run);
    expect(signals[1]?.reason).toContain("a credential that never used Bedrock");
  });

  it("learns an application that invokes models from its first day, and stays quiet after", () => {
    const signals = runDetection(modelAbuse, [
      app(T0, "InvokeModel"),
      app(T0 + 8 * DAY, "InvokeModel"),
      app(T0 + 9 * DAY, "Converse"),
    ]);
    expect(firedAt(signals)).toEqual([]);
  });

  it("fires at most once an hour", () => {
    const signals = runDetection(modelAbuse, [
      bedrock(T0, "PutUseCaseForModelAccess"),
      bedrock(T0 + 60_000, "CreateFoundationModelAgreement"),
      bedrock(T0 + 2 * 3_600_000, "PutFoundationModelEntitlement"),
    ]);
    expect(firedAt(signals)).toEqual([0, 2]);
  });
});
