import { describe, expect, it } from "vitest";
import { consoleLoginNoMfa } from "../../../shared/domain/detections/console-login-no-mfa.ts";
import fixtures from "../../fixtures/records/console-login-no-mfa.json" with { type: "json" };
import { contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, useOf } from "../../support/records.ts";

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return consoleLoginNoMfa.evaluate(use, contextFor(use));
}

describe("consoleLoginNoMfa", () => {
  it("declares its id and weight", () => {
    expect(consoleLoginNoMfa.id).toBe("console-login-no-mfa");
    expect(consoleLoginNoMfa.weight).toBe(20);
  });

  it("fires when an IAM user signs in without MFA, naming the user and the address", () => {
    const signal = evaluate(fixtures.iamUserWithoutMfa);
    expect(signal?.id).toBe("console-login-no-mfa");
    expect(signal?.reason).toBe(
      `IAM user "arn:aws:iam::${ACCOUNT}:user/ops-jane" signed in to the console from 198.51.100.23 without MFA (MFAUsed: No)`,
    );
  });

  it("fires when the root user signs in without MFA", () => {
    expect(evaluate(fixtures.rootWithoutMfa)?.reason).toBe(
      `root user "arn:aws:iam::${ACCOUNT}:root" signed in to the console from 192.0.2.44 without MFA (MFAUsed: No)`,
    );
  });

  it("stays quiet when MFA was used", () => {
    expect(evaluate(fixtures.iamUserWithMfa)).toBeUndefined();
  });

  it("stays quiet for a failed sign-in", () => {
    expect(evaluate(fixtures.iamUserFailedWithoutMfa)).toBeUndefined();
  });

  it("stays quiet for a federated (Identity Center) sign-in, whose MFA happens at the identity provider", () => {
    expect(evaluate(fixtures.identityCenterFederated)).toBeUndefined();
  });

  it("stays quiet when the record does not say whether MFA was used", () => {
    expect(
      evaluate({ ...fixtures.iamUserWithoutMfa, additionalEventData: { MobileVersion: "No" } }),
    ).toBeUndefined();
  });

  it("stays quiet for other sign-in events", () => {
    const passwordUpdated = {
      ...fixtures.iamUserWithoutMfa,
      eventName: "PasswordUpdated",
      responseElements: { PasswordUpdated: "Success" },
    };
    expect(evaluate(passwordUpdated)).toBeUndefined();
  });
});
