import { describe, expect, it } from "vitest";
import { AppContextError, memberContext, organizationContext } from "../../infra/app-context.ts";

const MEMBER = {
  centralBusArn: "arn:aws:events:eu-central-1:111122223333:event-bus/vigil",
  centralExecuteRoleArn: "arn:aws:iam::111122223333:role/VigilStack-VigilExecuteRole6D97846E-AbCdEf",
  externalId: "o-a1b2c3d4e5",
};

describe("memberContext", () => {
  it("is undefined when the context is not set", () => {
    expect(memberContext(undefined)).toBeUndefined();
  });

  it("reads an object from cdk.json and the same object as JSON text from the command line", () => {
    expect(memberContext(MEMBER)).toEqual(MEMBER);
    expect(memberContext(JSON.stringify({ ...MEMBER, responderRole: false }))).toEqual({
      ...MEMBER,
      responderRole: false,
    });
  });

  it("refuses text that is not JSON, saying how to pass the value", () => {
    expect(() => memberContext("arn:aws:events:…")).toThrow(AppContextError);
    expect(() => memberContext("arn:aws:events:…")).toThrow(
      /context vigil:member "arn:aws:events:…" is not JSON; pass it like -c 'vigil:member=\{"centralBusArn"/,
    );
  });

  it("refuses a missing field and an unknown one, naming them", () => {
    expect(() => memberContext({ centralBusArn: MEMBER.centralBusArn })).toThrow(
      /is not valid \(centralExecuteRoleArn: .*; externalId: .*\)/,
    );
    expect(() => memberContext({ ...MEMBER, bus: "x" })).toThrow(/Unrecognized key.*"bus"/);
  });
});

describe("organizationContext", () => {
  it("reads the organization prop, and refuses one without an organization id", () => {
    expect(organizationContext('{"organizationId":"o-a1b2c3d4e5"}')).toEqual({
      organizationId: "o-a1b2c3d4e5",
    });
    expect(organizationContext(undefined)).toBeUndefined();
    expect(() => organizationContext({ memberRoleName: "x" })).toThrow(
      /context vigil:organization .* is not valid \(organizationId: /,
    );
  });
});
