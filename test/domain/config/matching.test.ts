import { describe, expect, it } from "vitest";
import { ArnPattern } from "../../../shared/domain/config/arn-pattern.ts";
import { SecretMatcher } from "../../../shared/domain/config/secret-match.ts";
import { parseSource, SourceSet } from "../../../shared/domain/config/sources.ts";

const ARN = "arn:aws:secretsmanager:eu-central-1:111122223333:secret";

describe("SecretMatcher", () => {
  it("matches a declared ARN pattern by name, partial ARN and full ARN with its random suffix", () => {
    const m = new SecretMatcher(`${ARN}:prod/orders-db-*`);
    expect(m.matches("prod/orders-db")).toBe(true);
    expect(m.matches(`${ARN}:prod/orders-db`)).toBe(true);
    expect(m.matches(`${ARN}:prod/orders-db-Ab12Cd`)).toBe(true);
  });

  it("does not match another secret that shares a prefix, or another account", () => {
    const m = new SecretMatcher(`${ARN}:prod/orders-db-*`);
    expect(m.matches("prod/orders-db-replica")).toBe(false);
    expect(m.matches(`${ARN}:prod/orders-db-replica-Ab12Cd`)).toBe(false);
    expect(m.matches("arn:aws:secretsmanager:eu-central-1:999999999999:secret:prod/orders-db-Ab12Cd")).toBe(
      false,
    );
  });

  it("matches a declared name in all three forms", () => {
    const m = new SecretMatcher("prod/orders-db");
    expect(m.matches("prod/orders-db")).toBe(true);
    expect(m.matches(`${ARN}:prod/orders-db-Ab12Cd`)).toBe(true);
    expect(m.matches("prod/payments")).toBe(false);
  });
});

describe("ArnPattern", () => {
  it("treats * as any run of characters, slashes included, and escapes the rest", () => {
    expect(
      new ArnPattern("arn:aws:iam::*:role/break-glass-*").matches("arn:aws:iam::1:role/break-glass-ops/x"),
    ).toBe(true);
    expect(new ArnPattern("arn:aws:iam::1:role/a.b").matches("arn:aws:iam::1:role/aXb")).toBe(false);
  });
});

describe("SourceSet", () => {
  const set = new SourceSet(
    ["203.0.113.0/24", "2001:db8::/32", "vpce-0a1b2c3d", "vpc-0123abcd", "codebuild.amazonaws.com"].map(
      parseSource,
    ),
    new Map([["vpce-99999999", "vpc-0123abcd"]]),
  );

  it("matches IPv4 and IPv6 CIDRs, endpoints, the VPC of a mapped endpoint and services", () => {
    expect(set.includes({ kind: "ip", ip: "203.0.113.77" })).toBe(true);
    expect(set.includes({ kind: "ip", ip: "2001:db8:1::5" })).toBe(true);
    expect(set.includes({ kind: "ip", ip: "10.1.2.3", vpcEndpointId: "vpce-0a1b2c3d" })).toBe(true);
    expect(set.includes({ kind: "ip", ip: "10.1.2.3", vpcEndpointId: "vpce-99999999" })).toBe(true);
    expect(set.includes({ kind: "aws-service", service: "codebuild.amazonaws.com" })).toBe(true);
  });

  it("rejects everything else", () => {
    expect(set.includes({ kind: "ip", ip: "203.0.114.1" })).toBe(false);
    expect(set.includes({ kind: "ip", ip: "2001:db9::1" })).toBe(false);
    expect(set.includes({ kind: "ip", ip: "10.1.2.3", vpcEndpointId: "vpce-11111111" })).toBe(false);
    expect(set.includes({ kind: "aws-service", service: "lambda.amazonaws.com" })).toBe(false);
    expect(set.includes({ kind: "aws-internal" })).toBe(false);
  });

  it("reads a bare address as a single-host CIDR", () => {
    expect(parseSource("3.120.181.40")).toEqual({
      kind: "cidr",
      address: "3.120.181.40",
      prefix: 32,
      family: "ipv4",
    });
  });
});
