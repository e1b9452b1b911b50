import { describe, expect, it } from "vitest";
import { rootUsage } from "../../../shared/domain/detections/root-usage.ts";
import consoleLogins from "../../fixtures/records/console-login-no-mfa.json" with { type: "json" };
import { contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const ROOT = {
  type: "Root",
  principalId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:root`,
  accountId: ACCOUNT,
  accessKeyId: "ASIAEXAMPLEROOT00001",
  sessionContext: { attributes: { creationDate: "2026-03-03T09:58:00Z", mfaAuthenticated: "true" } },
};

/** An API call made by the root user from the console, as CloudTrail logs it. */
function rootCall(overrides: RawRecord = {}) {
  return userKeyRecord({
    userIdentity: ROOT,
    eventSource: "iam.amazonaws.com",
    eventName: "CreateAccessKey",
    awsRegion: "us-east-1",
    sourceIPAddress: "198.51.100.7",
    userAgent: "AWS Internal",
    requestParameters: null,
    responseElements: { accessKey: { accessKeyId: "AKIAEXAMPLEROOTKEY01", status: "Active" } },
    managementEvent: true,
    eventCategory: "Management",
    ...overrides,
  });
}

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return rootUsage.evaluate(use, contextFor(use));
}

describe("rootUsage", () => {
  it("declares its id and weight", () => {
    expect(rootUsage.id).toBe("root-usage");
    expect(rootUsage.weight).toBe(30);
  });

  it("fires when root calls an API, naming the account, the API and the address", () => {
    const signal = evaluate(rootCall());
    expect(signal?.id).toBe("root-usage");
    expect(signal?.reason).toBe(
      `root user of account ${ACCOUNT} called iam:CreateAccessKey from 198.51.100.7`,
    );
  });

  it("words a denied call as an attempt", () => {
    expect(evaluate(rootCall({ errorCode: "AccessDenied" }))?.reason).toBe(
      `root user of account ${ACCOUNT} attempted iam:CreateAccessKey from 198.51.100.7, denied with AccessDenied`,
    );
  });

  it("fires for a root console sign-in and says whether MFA was used", () => {
    expect(evaluate(consoleLogins.rootWithoutMfa)?.reason).toBe(
      `root user of account ${ACCOUNT} signed in to the console from 192.0.2.44 without MFA`,
    );
    const withMfa = {
      ...consoleLogins.rootWithoutMfa,
      additionalEventData: {
        MobileVersion: "No",
        MFAIdentifier: `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`,
        MFAUsed: "Yes",
      },
    };
    expect(evaluate(withMfa)?.reason).toContain("signed in to the console from 192.0.2.44 with MFA");
  });

  it("fires for a failed root sign-in and says it failed", () => {
    const failed = {
      ...consoleLogins.rootWithoutMfa,
      responseElements: { ConsoleLogin: "Failure" },
      errorMessage: "Failed authentication",
    };
    expect(evaluate(failed)?.reason).toBe(
      `root user of account ${ACCOUNT} failed to sign in to the console from 192.0.2.44 (Failed authentication)`,
    );
  });

  it("shows an account id that is not 12 digits quoted, as logged", () => {
    const odd = { ...ROOT, accountId: "12345", arn: "arn:aws:iam::12345:root" };
    expect(evaluate(rootCall({ userIdentity: odd, recipientAccountId: "12345" }))?.reason).toContain(
      'root user of account "12345" called',
    );
  });

  it("stays quiet when an AWS service acts as root (invokedBy)", () => {
    const autoscaling = rootCall({
      userIdentity: {
        type: "Root",
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
        invokedBy: "autoscaling.amazonaws.com",
      },
      eventSource: "ec2.amazonaws.com",
      eventName: "RunInstances",
      sourceIPAddress: "autoscaling.amazonaws.com",
      userAgent: "autoscaling.amazonaws.com",
    });
    expect(evaluate(autoscaling)).toBeUndefined();
  });

  it("stays quiet for service events logged under the root identity", () => {
    expect(
      evaluate(
        rootCall({ eventType: "AwsServiceEvent", eventName: "CreditsExpired", sourceIPAddress: undefined }),
      ),
    ).toBeUndefined();
  });

  it("stays quiet for IAM users and role sessions", () => {
    expect(
      evaluate(userKeyRecord({ eventSource: "iam.amazonaws.com", eventName: "CreateAccessKey" })),
    ).toBeUndefined();
    expect(evaluate(roleSessionRecord())).toBeUndefined();
    expect(evaluate(consoleLogins.iamUserWithoutMfa)).toBeUndefined();
  });
});
