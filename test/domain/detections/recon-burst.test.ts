import { describe, expect, it } from "vitest";
import { RECON_ACTIONS_THRESHOLD, reconBurst } from "../../../shared/domain/detections/recon-burst.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");

function denied(
  i: number,
  eventSource: string,
  eventName: string,
  errorCode = "AccessDenied",
): CredentialUse {
  return useOf(
    userKeyRecord({
      eventTime: new Date(T0 + i * 20_000).toISOString(),
      eventID: `d-${i}`,
      eventSource,
      eventName,
      errorCode,
      requestParameters: null,
    }),
  );
}

/** What a leaked key's first minutes look like: refused across SES, SNS, EC2, Secrets Manager, IAM. */
const tryingOut = [
  denied(0, "ses.amazonaws.com", "GetSendQuota"),
  denied(1, "sns.amazonaws.com", "GetSMSAttributes", "AuthorizationError"),
  denied(2, "ec2.amazonaws.com", "DescribeInstances", "Client.UnauthorizedOperation"),
  denied(3, "secretsmanager.amazonaws.com", "ListSecrets", "AccessDeniedException"),
  denied(4, "iam.amazonaws.com", "ListUsers"),
  denied(5, "s3.amazonaws.com", "ListBuckets"),
];

describe("reconBurst", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(reconBurst.id).toBe("recon-burst");
    expect(reconBurst.weight).toBe(25);
    expect(reconBurst.attack).toEqual(["T1580", "T1526", "T1087.004"]);
  });

  it(`fires on the ${RECON_ACTIONS_THRESHOLD}th distinct denied action within ten minutes, without any success, naming them`, () => {
    const signals = runDetection(reconBurst, tryingOut);
    expect(firedAt(signals)).toEqual([RECON_ACTIONS_THRESHOLD - 1]);
    expect(signals[RECON_ACTIONS_THRESHOLD - 1]?.reason).toBe(
      '5 different actions denied to access key AKIAEXAMPLE000000001 of "arn:aws:iam::111122223333:user/svc-ci" within 10 minutes, in 5 services (ses:GetSendQuota, sns:GetSMSAttributes, ec2:DescribeInstances, secretsmanager:ListSecrets, iam:ListUsers)',
    );
  });

  it("stays quiet for one job retrying one denied call, and for errors that are not refusals", () => {
    const retries = Array.from({ length: 30 }, (_, i) => denied(i, "dynamodb.amazonaws.com", "PutItem"));
    expect(firedAt(runDetection(reconBurst, retries))).toEqual([]);
    const throttled = tryingOut.map((u) => ({ ...u, errorCode: "ThrottlingException" }));
    expect(firedAt(runDetection(reconBurst, throttled))).toEqual([]);
  });

  it("stays quiet for a slow trickle and for console sessions", () => {
    const slow = tryingOut.map((u, i) => ({ ...u, eventTime: T0 + i * 5 * 60_000 }));
    expect(firedAt(runDetection(reconBurst, slow))).toEqual([]);
    const browsing = tryingOut.map((u, i) =>
      useOf(
        roleSessionRecord(
          {
            eventTime: new Date(T0 + i * 1000).toISOString(),
            eventSource: u.eventSource,
            eventName: u.eventName,
            errorCode: "AccessDenied",
            sessionCredentialFromConsole: "true",
          },
          { role: "AWSReservedSSO_ReadOnly_0123456789abcdef", name: "anna@example.com" },
        ),
      ),
    );
    expect(firedAt(runDetection(reconBurst, browsing))).toEqual([]);
  });

  it("fires once per burst, and again for a burst after the cooldown", () => {
    const later = tryingOut.map((u, i) => ({
      ...u,
      eventId: `late-${i}`,
      eventTime: T0 + 20 * 60_000 + i * 1000,
    }));
    expect(firedAt(runDetection(reconBurst, [...tryingOut, ...later]))).toEqual([4, 10]);
  });
});
