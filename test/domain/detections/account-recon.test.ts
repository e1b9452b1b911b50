import { describe, expect, it } from "vitest";
import {
  ACCOUNT_RECON_THRESHOLD,
  accountRecon,
  SENDING_RECON_THRESHOLD,
} from "../../../shared/domain/detections/account-recon.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");

function call(i: number, eventSource: string, eventName: string, extra: RawRecord = {}): CredentialUse {
  return useOf(
    userKeyRecord({
      eventTime: new Date(T0 + i * 15_000).toISOString(),
      eventID: `r-${i}`,
      eventSource,
      eventName,
      requestParameters: null,
      readOnly: true,
      ...extra,
    }),
  );
}

const whoami = [
  call(0, "sts.amazonaws.com", "GetCallerIdentity"),
  call(1, "iam.amazonaws.com", "ListUsers"),
  call(2, "iam.amazonaws.com", "ListRoles"),
  call(3, "iam.amazonaws.com", "GetAccountAuthorizationDetails"),
  call(4, "guardduty.amazonaws.com", "ListDetectors"),
  call(5, "cloudtrail.amazonaws.com", "DescribeTrails"),
];

describe("accountRecon", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(accountRecon.id).toBe("account-recon");
    expect(accountRecon.weight).toBe(22);
    expect(accountRecon.attack).toContain("T1087.004");
  });

  it(`fires on the ${ACCOUNT_RECON_THRESHOLD}th enumeration call within ten minutes, naming them`, () => {
    const signals = runDetection(accountRecon, whoami);
    expect(firedAt(signals)).toEqual([ACCOUNT_RECON_THRESHOLD - 1]);
    expect(signals[ACCOUNT_RECON_THRESHOLD - 1]?.reason).toContain(
      "5 calls enumerating the account's identities, defenses and inventory by access key AKIAEXAMPLE000000001",
    );
    expect(signals[ACCOUNT_RECON_THRESHOLD - 1]?.reason).toContain("sts:GetCallerIdentity, iam:ListUsers");
  });

  it(`fires on ${SENDING_RECON_THRESHOLD} checks of the account's email or SMS sending`, () => {
    const sending = [
      call(0, "ses.amazonaws.com", "GetAccountSendingEnabled"),
      call(1, "ses.amazonaws.com", "GetSendQuota"),
      call(2, "sns.amazonaws.com", "GetSMSSandboxAccountStatus"),
    ];
    expect(runDetection(accountRecon, sending)[2]?.reason).toContain(
      "3 checks of the account's email and SMS sending",
    );
  });

  it("stays quiet for a workload's few calls, one service alone, denied calls and console sessions", () => {
    const ci = Array.from({ length: 20 }, (_, i) => call(i, "sts.amazonaws.com", "GetCallerIdentity"));
    expect(firedAt(runDetection(accountRecon, ci))).toEqual([]);
    const iamOnly = ["ListUsers", "ListRoles", "ListGroups", "ListPolicies", "GetAccountSummary"].map(
      (n, i) => call(i, "iam.amazonaws.com", n),
    );
    expect(firedAt(runDetection(accountRecon, iamOnly))).toEqual([]);
    const refused = whoami.map((u) => ({ ...u, errorCode: "AccessDenied" }));
    expect(firedAt(runDetection(accountRecon, refused))).toEqual([]);
    // A browser's user agent on console-issued temporary credentials: the console's pages make these calls.
    const browsing = whoami.map((u, i) =>
      useOf(
        roleSessionRecord(
          {
            eventTime: new Date(T0 + i * 1000).toISOString(),
            eventSource: u.eventSource,
            eventName: u.eventName,
            userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
          },
          { role: "AWSReservedSSO_Admin_0123456789abcdef", name: "lena@example.com" },
        ),
      ),
    );
    expect(browsing.every((u) => u.fromConsole)).toBe(true);
    expect(firedAt(runDetection(accountRecon, browsing))).toEqual([]);
  });

  it("judges a browser's user agent on a long-term key as no console at all", () => {
    const forged = whoami.map((u) =>
      call(whoami.indexOf(u), u.eventSource, u.eventName, {
        userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
      }),
    );
    expect(forged[0]?.fromConsole).toBe(false);
    expect(firedAt(runDetection(accountRecon, forged))).toEqual([ACCOUNT_RECON_THRESHOLD - 1]);
  });
});
