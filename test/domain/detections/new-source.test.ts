import { describe, expect, it } from "vitest";
import { MAX_NETWORKS, networkOf, newSource } from "../../../shared/domain/detections/new-source.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf } from "../../support/context.ts";
import { ACCOUNT, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:15:00Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A call with the svc-ci user's key from `ip`, `days` after T0. */
function keyUse(ip: string, days: number, overrides: Record<string, unknown> = {}): CredentialUse {
  return useOf(userKeyRecord({ sourceIPAddress: ip, eventTime: iso(T0 + days * DAY), ...overrides }));
}

describe("networkOf", () => {
  it("groups IPv4 addresses by /24 and IPv6 addresses by /48", () => {
    expect(networkOf({ kind: "ip", ip: "198.51.100.7" })).toBe("198.51.100.0/24");
    expect(networkOf({ kind: "ip", ip: "2001:db8:1234:5::1" })).toBe("2001:db8:1234::/48");
    expect(networkOf({ kind: "ip", ip: "2001:0DB8::1" })).toBe("2001:db8::/48");
    expect(networkOf({ kind: "ip", ip: "2001:db8:0:7::1" })).toBe("2001:db8::/48");
    expect(networkOf({ kind: "ip", ip: "::ffff:203.0.113.9" })).toBe("203.0.113.0/24");
  });

  it("prefers the VPC endpoint over the address", () => {
    expect(networkOf({ kind: "ip", ip: "10.0.12.34", vpcEndpointId: "vpce-0a1b2c3d4e5f60718" })).toBe(
      "vpce-0a1b2c3d4e5f60718",
    );
  });

  it("has no network for AWS services, AWS Internal and unknown sources", () => {
    expect(networkOf({ kind: "aws-service", service: "ec2.amazonaws.com" })).toBeUndefined();
    expect(networkOf({ kind: "aws-internal" })).toBeUndefined();
    expect(networkOf({ kind: "unknown" })).toBeUndefined();
  });
});

describe("newSource", () => {
  it("stays quiet during the learning period, then fires on a network never seen", () => {
    const signals = runDetection(newSource, [
      keyUse("203.0.113.10", 0),
      keyUse("198.51.100.7", 1), // new, but still learning
      keyUse("198.51.100.20", 8), // same /24 as a learned address
      keyUse("192.0.2.44", 9), // never seen
      keyUse("192.0.2.45", 9.5), // learned by the call before
    ]);
    expect(firedAt(signals)).toEqual([3]);
    expect(signals[3]?.reason).toBe(
      "first use of AKIAEXAMPLE000000001 from 192.0.2.0/24 (192.0.2.44); 2 networks seen since 2026-03-03",
    );
  });

  it("does not fire for a network the profile declares", () => {
    const config = configOf({
      profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, sources: ["192.0.2.0/24"] }],
    });
    const signals = runDetection(
      newSource,
      [keyUse("203.0.113.10", 0), keyUse("192.0.2.44", 9), keyUse("198.51.100.7", 9)],
      detectionRun({ config }),
    );
    expect(firedAt(signals)).toEqual([2]);
  });

  it("ignores calls AWS services and AWS Internal make, and does not learn them", () => {
    const run = detectionRun();
    const signals = runDetection(
      newSource,
      [
        keyUse("203.0.113.10", 0),
        keyUse("cloudformation.amazonaws.com", 9),
        keyUse("AWS Internal", 9),
        keyUse("203.0.113.11", 9),
      ],
      run,
    );
    expect(firedAt(signals)).toEqual([]);
    const stored = run.baselines.get<{ nets: object }>("new-source", "AKIAEXAMPLE000000001");
    expect(Object.keys(stored?.nets ?? {})).toHaveLength(1);
  });

  it("treats a VPC endpoint as the network, ahead of the private address behind it", () => {
    const session = (days: number, endpoint: string, name: string) =>
      useOf(
        roleSessionRecord(
          { eventTime: iso(T0 + days * DAY), vpcEndpointId: endpoint },
          { name, key: `ASIAEXAMPLE${name.toUpperCase()}`, issuedAt: iso(T0 + days * DAY - 60_000) },
        ),
      );
    const signals = runDetection(newSource, [
      session(0, "vpce-0a1b2c3d4e5f60718", "first"),
      session(8, "vpce-0a1b2c3d4e5f60718", "second"), // another session of the same role: shared baseline
      session(8, "vpce-0fedcba987654321f", "third"), // same 10.0.12.34, other endpoint
    ]);
    expect(firedAt(signals)).toEqual([2]);
    expect(signals[2]?.reason).toContain(
      `first use of arn:aws:iam::${ACCOUNT}:role/orders-api from vpce-0fedcba987654321f`,
    );
  });

  it("tells IPv4 networks apart by all three leading octets", () => {
    const signals = runDetection(newSource, [
      keyUse("10.0.5.1", 0),
      keyUse("10.0.5.200", 8),
      keyUse("10.5.0.1", 8),
      keyUse("100.5.1.1", 8),
      keyUse("10.0.50.1", 8),
    ]);
    expect(firedAt(signals)).toEqual([2, 3, 4]);
  });

  it("groups IPv6 addresses by /48", () => {
    const signals = runDetection(newSource, [
      keyUse("2001:db8:1234:1::1", 0),
      keyUse("2001:db8:1234:ffff::2", 8),
      keyUse("2001:db8:1235::1", 8),
    ]);
    expect(firedAt(signals)).toEqual([2]);
  });

  it("keeps at most MAX_NETWORKS networks per subject, forgetting the least recently seen", () => {
    const run = detectionRun({ config: configOf({ learning: { days: 0 } }) });
    const uses: CredentialUse[] = [];
    for (let i = 0; i < 10_000; i++) {
      uses.push(keyUse(`${10 + Math.floor(i / 256)}.${i % 256}.7.1`, i / 1000));
    }
    const signals = runDetection(newSource, uses, run);
    expect(firedAt(signals)).toHaveLength(10_000);
    const stored = run.baselines.get<{ nets: Record<string, number> }>("new-source", "AKIAEXAMPLE000000001");
    expect(Object.keys(stored?.nets ?? {}).length).toBeLessThanOrEqual(MAX_NETWORKS);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
    // The newest network is still known; the first one was forgotten.
    const again = runDetection(newSource, [keyUse("49.15.7.9", 10.5), keyUse("10.0.7.9", 10.5)], run);
    expect(firedAt(again)).toEqual([1]);
  });
});
