import { describe, expect, it } from "vitest";
import {
  failuresThenSuccess,
  isAuthorizationFailure,
  MAX_FAILURES,
} from "../../../shared/domain/detections/failures-then-success.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A call of the svc-ci key `minutes` after T0; failed with `errorCode` when given. */
function call(
  minutes: number,
  eventName: string,
  errorCode?: string,
  eventSource = "s3.amazonaws.com",
): CredentialUse {
  return useOf(userKeyRecord({ eventTime: iso(T0 + minutes * MIN), eventSource, eventName, errorCode }));
}

function denied(minutes: number, errorCode = "AccessDenied"): CredentialUse {
  return call(minutes, "GetObject", errorCode);
}

describe("isAuthorizationFailure", () => {
  it("recognizes the authorization error codes of AWS services, not other errors", () => {
    for (const code of [
      "AccessDenied",
      "AccessDeniedException",
      "Client.UnauthorizedOperation",
      "UnauthorizedOperation",
      "UnauthorizedAccess",
      "AuthorizationError",
      "NotAuthorizedException",
    ]) {
      expect(isAuthorizationFailure(code), code).toBe(true);
    }
    for (const code of ["ThrottlingException", "NoSuchKey", "ValidationException", "InvalidClientTokenId"]) {
      expect(isAuthorizationFailure(code), code).toBe(false);
    }
  });
});

describe("failuresThenSuccess", () => {
  it("fires on the success after eight authorization failures and names them", () => {
    const uses = [
      ...[0, 1, 2, 3, 4, 5].map((m) => denied(m)),
      call(6, "DescribeInstances", "Client.UnauthorizedOperation", "ec2.amazonaws.com"),
      call(6.5, "DescribeInstances", "Client.UnauthorizedOperation", "ec2.amazonaws.com"),
      call(7, "GetObject", "NoSuchKey"), // not an authorization failure
      call(8, "ListBuckets"),
      call(9, "ListBuckets"), // the window was spent by the signal
    ];
    const signals = runDetection(failuresThenSuccess, uses);
    expect(firedAt(signals)).toEqual([9]);
    expect(signals[9]?.reason).toBe(
      "8 authorization failures (AccessDenied x6, Client.UnauthorizedOperation x2) in the 10 minutes before this successful s3:ListBuckets",
    );
  });

  it("stays quiet after four failures", () => {
    const signals = runDetection(failuresThenSuccess, [
      ...[0, 1, 2, 3].map((m) => denied(m)),
      call(4, "ListBuckets"),
    ]);
    expect(firedAt(signals)).toEqual([]);
  });

  it("fires after five failures, even while the credential is in its learning period", () => {
    const signals = runDetection(failuresThenSuccess, [
      ...[0, 1, 2, 3, 4].map((m) => denied(m)),
      call(5, "ListBuckets"),
    ]);
    expect(firedAt(signals)).toEqual([5]);
  });

  it("stays quiet when five failures are spread over an hour", () => {
    const signals = runDetection(failuresThenSuccess, [
      ...[0, 12, 24, 36, 48].map((m) => denied(m)),
      call(50, "ListBuckets"),
      call(60, "ListBuckets"),
    ]);
    expect(firedAt(signals)).toEqual([]);
  });

  it("counts failures of all sessions of one role together, and keeps roles apart", () => {
    const session = (minutes: number, role: string, name: string, errorCode?: string) =>
      useOf(roleSessionRecord({ eventTime: iso(T0 + minutes * MIN), errorCode }, { role, name }));
    const signals = runDetection(failuresThenSuccess, [
      session(0, "orders-api", "a", "AccessDenied"),
      session(1, "orders-api", "b", "AccessDenied"),
      session(2, "orders-api", "c", "AccessDenied"),
      session(3, "billing-api", "d", "AccessDenied"),
      session(3, "billing-api", "d", "AccessDenied"),
      session(4, "orders-api", "a", "AccessDenied"),
      session(5, "orders-api", "e", "AccessDenied"),
      session(6, "billing-api", "d"),
      session(6, "orders-api", "a"),
    ]);
    expect(firedAt(signals)).toEqual([8]);
  });

  it("keeps at most MAX_FAILURES failures per subject", () => {
    const run = detectionRun();
    runDetection(
      failuresThenSuccess,
      Array.from({ length: 1_000 }, (_, i) => denied(i / 200)),
      run,
    );
    const stored = run.baselines.get<unknown[]>("failures-then-success", "AKIAEXAMPLE000000001");
    expect(stored?.length).toBe(MAX_FAILURES);
  });
});

describe("failuresThenSuccess in the console", () => {
  it("stays quiet for a person whose console pages are refused, then who opens one they may read", () => {
    const page = (minutes: number, errorCode?: string) =>
      useOf(
        roleSessionRecord(
          {
            eventTime: iso(T0 + minutes * MIN),
            eventSource: "ce.amazonaws.com",
            eventName: "GetCostAndUsage",
            errorCode,
            sessionCredentialFromConsole: "true",
          },
          { role: "AWSReservedSSO_ReadOnly_0123456789abcdef", name: "anna@example.com" },
        ),
      );
    const uses = [
      page(0, "AccessDenied"),
      page(1, "AccessDenied"),
      page(2, "AccessDenied"),
      page(3, "AccessDenied"),
      page(4, "AccessDenied"),
      page(5),
    ];
    expect(firedAt(runDetection(failuresThenSuccess, uses))).toEqual([]);
  });
});
