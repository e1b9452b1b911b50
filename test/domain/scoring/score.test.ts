import { describe, expect, it } from "vitest";
import type { ScoreFacts } from "../../../shared/domain/scoring/factor.ts";
import { scoreExposure } from "../../../shared/domain/scoring/score.ts";

const base: ScoreFacts = {
  signals: [{ id: "unexpected-source", reason: "from 198.51.100.7", weight: 20 }],
  credential: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
  source: { kind: "ip", ip: "198.51.100.7" },
  network: "public",
  secretRead: false,
  privilege: { level: "iam-write", reason: 'declared by profile "ci"' },
  criticality: { level: "high", from: 'profile "ci"' },
};

function points(facts: ScoreFacts): Record<string, number> {
  return Object.fromEntries(scoreExposure(facts).factors.map((f) => [f.name, f.points]));
}

describe("scoreExposure", () => {
  it("shows every factor with its points and reason, and sums them", () => {
    const result = scoreExposure(base);
    expect(result.factors.map((f) => f.name)).toEqual([
      "what-happened",
      "privilege",
      "reachability",
      "durability",
      "live-secret",
      "criticality",
    ]);
    expect(result.score).toBe(20 + 16 + 12 + 10 + 0 + 8);
    expect(result.severity).toBe("high");
    expect(result.factors[2]?.reason).toBe("198.51.100.7 is on the public internet, outside AWS");
  });

  it("adds corroboration for each distinct signal, capped", () => {
    const two = {
      ...base,
      signals: [...base.signals, { id: "outside-window" as const, reason: "at 03:14", weight: 10 }],
    };
    expect(points(two)["what-happened"]).toBe(26);
    const many = {
      ...base,
      signals: (
        ["logging-tampering", "discovery-burst", "new-source", "outside-window", "unexpected-region"] as const
      ).map((id) => ({ id, reason: id, weight: 35 })),
    };
    expect(points(many)["what-happened"]).toBe(65);
  });

  it("adds the off-profile bonus when a high-impact action comes from a credential off its profile", () => {
    const sharing = { id: "external-sharing" as const, reason: "shares a snapshot", weight: 40 };
    const offSource = { id: "unexpected-source" as const, reason: "from 198.51.100.7", weight: 20 };
    const alone = { ...base, signals: [sharing] };
    expect(points(alone)["what-happened"]).toBe(40);
    const both = { ...base, signals: [sharing, offSource] };
    expect(points(both)["what-happened"]).toBe(40 + 6 + 15);
    expect(scoreExposure(both).factors[0]?.reason).toBe(
      "external-sharing fired, corroborated by 1 other signal (unexpected-source); external-sharing by a credential already off its declared profile (unexpected-source)",
    );
    const recon = { id: "account-recon" as const, reason: "lists users", weight: 22 };
    expect(points({ ...base, signals: [recon, offSource] })["what-happened"]).toBe(28);
  });

  it("counts a repeated signal once", () => {
    const repeated = { ...base, signals: [base.signals[0]!, base.signals[0]!] };
    expect(points(repeated)["what-happened"]).toBe(20);
  });

  it("ranks reachability: public > AWS address > private/VPC endpoint > AWS service", () => {
    expect(points({ ...base, network: "aws" }).reachability).toBe(6);
    expect(points({ ...base, network: "private", source: { kind: "ip", ip: "10.0.0.1" } }).reachability).toBe(
      3,
    );
    expect(
      points({ ...base, source: { kind: "ip", ip: "10.0.0.1", vpcEndpointId: "vpce-1" } }).reachability,
    ).toBe(3);
    expect(
      points({ ...base, source: { kind: "aws-service", service: "ec2.amazonaws.com" } }).reachability,
    ).toBe(0);
  });

  it("scores a read secret above the mere ability to read one", () => {
    expect(points({ ...base, secretRead: true })["live-secret"]).toBe(10);
    expect(points({ ...base, privilege: { level: "secrets-read", reason: "x" } })["live-secret"]).toBe(5);
  });

  it("assumes moderate privilege and medium criticality when nothing is known, and says so", () => {
    const result = scoreExposure({ ...base, privilege: undefined, criticality: undefined });
    expect(result.factors.find((f) => f.name === "privilege")).toEqual({
      name: "privilege",
      points: 6,
      reason: "unknown: no IAM snapshot (--iam-snapshot) and no privilege in the profile; assumed moderate",
    });
    expect(result.factors.find((f) => f.name === "criticality")?.reason).toBe("undeclared: assumed medium");
  });

  it("caps at 100 and maps bands at 40, 60 and 80", () => {
    const worst: ScoreFacts = {
      ...base,
      credential: { kind: "root", id: "arn:aws:iam::1:root" },
      secretRead: true,
      criticality: { level: "critical", from: "x" },
      signals: (["root-usage", "logging-tampering", "persistence"] as const).map((id) => ({
        id,
        reason: id,
        weight: 35,
      })),
    };
    expect(scoreExposure(worst)).toMatchObject({ score: 100, severity: "critical" });
    const low = { ...base, network: "aws" as const, privilege: { level: "read-only" as const, reason: "x" } };
    expect(scoreExposure({ ...low, criticality: { level: "low", from: "x" } })).toMatchObject({
      score: 38,
      severity: "low",
    });
    expect(scoreExposure({ ...low, criticality: { level: "medium", from: "x" } })).toMatchObject({
      score: 42,
      severity: "medium",
    });
  });

  it("scores nothing without a signal", () => {
    expect(scoreExposure({ ...base, signals: [] })).toEqual({ score: 0, severity: "low", factors: [] });
  });
});
