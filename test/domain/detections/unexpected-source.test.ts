import { describe, expect, it } from "vitest";
import { unexpectedSource } from "../../../shared/domain/detections/unexpected-source.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const config = configOf({
  profiles: [
    {
      id: "ci-deployer",
      match: { accessKeys: ["AKIAEXAMPLE000000001"] },
      sources: ["203.0.113.0/24", "vpce-0a1b2c3d4e5f60718", "codebuild.amazonaws.com"],
    },
    { id: "orders-api", match: { roles: [`arn:aws:iam::${ACCOUNT}:role/orders-api`] } },
  ],
});

function evaluate(record: Record<string, unknown>) {
  const use = useOf(record);
  return unexpectedSource.evaluate(use, contextFor(use, { config }));
}

describe("unexpectedSource", () => {
  it("declares its id and weight", () => {
    expect(unexpectedSource.id).toBe("unexpected-source");
    expect(unexpectedSource.weight).toBe(20);
  });

  it("fires when a key is used from an address outside its declared sources, naming address, profile and sources", () => {
    const signal = evaluate(userKeyRecord({ sourceIPAddress: "198.51.100.7" }));
    expect(signal?.id).toBe("unexpected-source");
    expect(signal?.reason).toContain("AKIAEXAMPLE000000001 used from 198.51.100.7");
    expect(signal?.reason).toContain('profile "ci-deployer"');
    expect(signal?.reason).toContain("(203.0.113.0/24, vpce-0a1b2c3d4e5f60718, codebuild.amazonaws.com)");
  });

  it("stays quiet for an address inside a declared CIDR", () => {
    expect(evaluate(userKeyRecord({ sourceIPAddress: "203.0.113.99" }))).toBeUndefined();
  });

  it("stays quiet for a call through a declared VPC endpoint, whatever the private address", () => {
    const record = userKeyRecord({ sourceIPAddress: "10.1.2.3", vpcEndpointId: "vpce-0a1b2c3d4e5f60718" });
    expect(evaluate(record)).toBeUndefined();
  });

  it("fires for a call through an undeclared VPC endpoint and names the endpoint", () => {
    const signal = evaluate(
      userKeyRecord({ sourceIPAddress: "10.1.2.3", vpcEndpointId: "vpce-0fffffffffffffff0" }),
    );
    expect(signal?.reason).toContain("used from 10.1.2.3 via vpce-0fffffffffffffff0");
  });

  it("stays quiet for a declared AWS service and fires for another one", () => {
    expect(evaluate(userKeyRecord({ sourceIPAddress: "codebuild.amazonaws.com" }))).toBeUndefined();
    const signal = evaluate(userKeyRecord({ sourceIPAddress: "lambda.amazonaws.com" }));
    expect(signal?.reason).toContain("used from lambda.amazonaws.com");
  });

  it("stays quiet for AWS Internal and for a record without a source: there is nothing to compare", () => {
    expect(evaluate(userKeyRecord({ sourceIPAddress: "AWS Internal" }))).toBeUndefined();
    expect(evaluate(userKeyRecord({ sourceIPAddress: undefined }))).toBeUndefined();
  });

  it("stays quiet when the profile declares no sources", () => {
    expect(
      evaluate(roleSessionRecord({ sourceIPAddress: "198.51.100.7", vpcEndpointId: undefined })),
    ).toBeUndefined();
  });

  it("stays quiet for a credential no profile declares", () => {
    const record = userKeyRecord({ sourceIPAddress: "198.51.100.7" });
    record.userIdentity = {
      ...(record.userIdentity as object),
      accessKeyId: "AKIAEXAMPLE000000999",
      userName: "other",
    };
    expect(evaluate({ ...record })).toBeUndefined();
  });

  it("fires for a declared role session from an undeclared address and names the role", () => {
    const roleConfig = configOf({
      profiles: [
        {
          id: "orders-api",
          match: { roles: [`arn:aws:iam::${ACCOUNT}:role/orders-api`] },
          sources: ["10.0.0.0/16"],
        },
      ],
    });
    const use = useOf(roleSessionRecord({ sourceIPAddress: "198.51.100.7", vpcEndpointId: undefined }));
    const signal = unexpectedSource.evaluate(use, contextFor(use, { config: roleConfig }));
    expect(signal?.reason).toContain(
      `session of "arn:aws:iam::${ACCOUNT}:role/orders-api" used from 198.51.100.7`,
    );
    expect(signal?.reason).toContain("(10.0.0.0/16)");
  });
});
