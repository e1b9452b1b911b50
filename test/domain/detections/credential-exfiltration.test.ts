import { describe, expect, it } from "vitest";
import type { MemoryBaselines } from "../../../shared/domain/baseline/memory-baselines.ts";
import {
  credentialExfiltration,
  MAX_SESSIONS,
  SESSION_TTL_MS,
} from "../../../shared/domain/detections/credential-exfiltration.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf, fakeNetwork } from "../../support/context.ts";
import { ACCOUNT, roleSessionRecord, useOf } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const AWS_IP = "52.94.133.131";
const network = fakeNetwork({ [AWS_IP]: "aws" });
const INSTANCE = "i-0123456789abcdef0";
const TASK = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const LAMBDA_AGENT = "aws-sdk-nodejs/2.1692.0 linux/v20.18.1 exec-env/AWS_Lambda_nodejs20.x promise";

interface Call {
  minutes: number;
  ip: string;
  endpoint?: string;
  name?: string;
  key?: string;
  ec2RoleDelivery?: string;
  userAgent?: string;
}

/** A call of a session of the orders-api role. */
function call(c: Call): CredentialUse {
  return useOf(
    roleSessionRecord(
      {
        eventTime: iso(T0 + c.minutes * MIN),
        sourceIPAddress: c.ip,
        vpcEndpointId: c.endpoint,
        ...(c.userAgent === undefined ? {} : { userAgent: c.userAgent }),
      },
      {
        name: c.name ?? INSTANCE,
        key: c.key ?? "ASIAEXAMPLESESSION01",
        issuedAt: iso(T0 - 30 * MIN),
        ec2RoleDelivery: c.ec2RoleDelivery,
      },
    ),
  );
}

describe("credentialExfiltration", () => {
  it("fires when instance credentials are used from a public address, not from AWS or a VPC endpoint", () => {
    const signals = runDetection(
      credentialExfiltration,
      [
        call({ minutes: 0, ip: "10.0.12.34", endpoint: "vpce-0a1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
        call({ minutes: 1, ip: AWS_IP, ec2RoleDelivery: "2.0" }), // through a NAT gateway: an AWS address
        call({ minutes: 2, ip: "10.0.12.34", endpoint: "vpce-0a1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
        call({ minutes: 3, ip: "198.51.100.7", ec2RoleDelivery: "2.0", userAgent: "aws-cli/2.17.32" }),
      ],
      detectionRun({ network }),
    );
    expect(firedAt(signals)).toEqual([3]);
    expect(signals[3]?.reason).toBe(
      `instance credentials of role orders-api (session "${INSTANCE}") used from 198.51.100.7, an address outside AWS; the session was first seen from vpce-0a1b2c3d4e5f60718 at 2026-03-03T10:00:00Z`,
    );
  });

  it("recognizes instance sessions by name and ECS task sessions by their task id", () => {
    const signals = runDetection(
      credentialExfiltration,
      [
        call({ minutes: 0, ip: "198.51.100.7", name: INSTANCE }),
        call({ minutes: 0, ip: "198.51.100.7", name: TASK, key: "ASIAEXAMPLESESSION02" }),
        call({ minutes: 0, ip: "198.51.100.7", name: "deploy-pipeline", key: "ASIAEXAMPLESESSION03" }),
        call({ minutes: 0, ip: "192.168.1.20", name: TASK, key: "ASIAEXAMPLESESSION02" }), // private
      ],
      detectionRun({ network }),
    );
    expect(firedAt(signals)).toEqual([0, 1]);
    expect(signals[1]?.reason).toContain(`ECS task credentials of role orders-api (session "${TASK}")`);
  });

  it("remembers that a session belongs to Lambda when it is first seen, and fires when it later leaves AWS", () => {
    const lambdaSession = { name: "orders-handler", key: "ASIAEXAMPLELAMBDA001" };
    const signals = runDetection(
      credentialExfiltration,
      [
        call({ minutes: 0, ip: AWS_IP, userAgent: LAMBDA_AGENT, ...lambdaSession }),
        call({ minutes: 5, ip: "198.51.100.7", userAgent: "aws-cli/2.17.32", ...lambdaSession }),
        call({
          minutes: 5,
          ip: "198.51.100.7",
          userAgent: "aws-cli/2.17.32",
          name: "orders-handler",
          key: "ASIAOTHER00000000001",
        }),
      ],
      detectionRun({ network }),
    );
    expect(firedAt(signals)).toEqual([1]);
    expect(signals[1]?.reason).toContain("Lambda credentials of role orders-api");
  });

  it("stays quiet when a session uses another endpoint of its own VPC, or one the config does not map", () => {
    const config = configOf({
      vpcEndpoints: { "vpce-0a1b2c3d4e5f60718": "vpc-0aaaaaaaa", "vpce-0b1b2c3d4e5f60718": "vpc-0aaaaaaaa" },
    });
    const signals = runDetection(
      credentialExfiltration,
      [
        call({ minutes: 0, ip: "10.0.12.34", endpoint: "vpce-0a1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
        call({ minutes: 1, ip: "10.0.12.34", endpoint: "vpce-0b1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
        call({ minutes: 2, ip: "10.0.12.34", endpoint: "vpce-0c1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
      ],
      detectionRun({ network, config }),
    );
    expect(firedAt(signals)).toEqual([]);
  });

  it("fires when a session first seen in one VPC is used through an endpoint of another", () => {
    const config = configOf({
      vpcEndpoints: { "vpce-0a1b2c3d4e5f60718": "vpc-0aaaaaaaa", "vpce-0fedcba987654321f": "vpc-0bbbbbbbb" },
    });
    const signals = runDetection(
      credentialExfiltration,
      [
        call({ minutes: 0, ip: "10.0.12.34", endpoint: "vpce-0a1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
        call({ minutes: 1, ip: "10.0.12.34", endpoint: "vpce-0a1b2c3d4e5f60718", ec2RoleDelivery: "2.0" }),
        call({ minutes: 2, ip: "10.9.0.5", endpoint: "vpce-0fedcba987654321f", ec2RoleDelivery: "2.0" }),
        // Another session of the role first seen through the second endpoint is at home there.
        call({ minutes: 3, ip: "10.9.0.6", endpoint: "vpce-0fedcba987654321f", key: "ASIAEXAMPLESESSION09" }),
      ],
      detectionRun({ network, config }),
    );
    expect(firedAt(signals)).toEqual([2]);
    expect(signals[2]?.reason).toBe(
      `instance credentials of role orders-api (session "${INSTANCE}") used via vpce-0fedcba987654321f of vpc-0bbbbbbbb (10.9.0.5), but the session was first seen via vpce-0a1b2c3d4e5f60718 of vpc-0aaaaaaaa at 2026-03-03T10:00:00Z`,
    );
  });

  it("forgets sessions first seen more than 36 hours ago", () => {
    const run = detectionRun({ network });
    const uses: CredentialUse[] = [];
    // One new session every five minutes for three days.
    for (let i = 0; i < 3 * 24 * 12; i++) {
      const key = `ASIA${String(i).padStart(16, "0")}`;
      uses.push(call({ minutes: i * 5, ip: "10.0.12.34", endpoint: "vpce-0a1b2c3d4e5f60718", key }));
    }
    runDetection(credentialExfiltration, uses, run);
    const sessions = storedSessions(run.baselines);
    const last = T0 + (3 * 24 * 12 - 1) * 5 * MIN;
    // Swept hourly: nothing older than 36 hours plus one sweep interval survives.
    expect(Math.min(...sessions.map(([, at]) => at))).toBeGreaterThanOrEqual(
      last - SESSION_TTL_MS - 60 * MIN,
    );
    expect(sessions.length).toBeLessThan(36 * 12 + 13);
  });

  it("keeps at most MAX_SESSIONS sessions per role", () => {
    const run = detectionRun({ network });
    const uses = Array.from({ length: 5_000 }, (_, i) =>
      call({ minutes: i / 100, ip: "10.0.12.34", key: `ASIA${String(i).padStart(16, "0")}` }),
    );
    runDetection(credentialExfiltration, uses, run);
    expect(storedSessions(run.baselines)).toHaveLength(MAX_SESSIONS);
  });
});

function storedSessions(baselines: MemoryBaselines): Array<[string, number, number]> {
  const stored = baselines.get<{ sessions: Record<string, [string, number, number]> }>(
    "credential-exfiltration",
    `arn:aws:iam::${ACCOUNT}:role/orders-api`,
  );
  return Object.values(stored?.sessions ?? {});
}

describe("credentialExfiltration inside AWS", () => {
  const OTHER_AWS_IP = "3.120.181.40";
  const inside = fakeNetwork({ [AWS_IP]: "aws", [OTHER_AWS_IP]: "aws" });

  it("fires when an instance session first seen from one AWS network is used from another", () => {
    const signals = runDetection(
      credentialExfiltration,
      [
        call({ minutes: 0, ip: AWS_IP }),
        call({ minutes: 5, ip: AWS_IP }),
        call({ minutes: 6, ip: OTHER_AWS_IP }),
      ],
      detectionRun({ network: inside }),
    );
    expect(firedAt(signals)).toEqual([2]);
    expect(signals[2]?.reason).toContain(
      `used from ${OTHER_AWS_IP} (3.120.181.0/24, an AWS address), but the session was first seen from 52.94.133.0/24`,
    );
  });

  it("stays quiet for the NAT after an endpoint, for Lambda, and for other sessions of the role", () => {
    const afterEndpoint = [
      call({ minutes: 0, ip: "10.0.1.5", endpoint: "vpce-0a1b2c3d" }),
      call({ minutes: 1, ip: AWS_IP }),
    ];
    expect(
      firedAt(runDetection(credentialExfiltration, afterEndpoint, detectionRun({ network: inside }))),
    ).toEqual([]);
    const lambda = [
      call({ minutes: 0, ip: AWS_IP, name: "orders-fn", userAgent: LAMBDA_AGENT }),
      call({ minutes: 1, ip: OTHER_AWS_IP, name: "orders-fn", userAgent: LAMBDA_AGENT }),
    ];
    expect(firedAt(runDetection(credentialExfiltration, lambda, detectionRun({ network: inside })))).toEqual(
      [],
    );
    const twoInstances = [
      call({ minutes: 0, ip: AWS_IP }),
      call({ minutes: 1, ip: OTHER_AWS_IP, name: "i-0fedcba9876543210", key: "ASIAEXAMPLESESSION02" }),
    ];
    expect(
      firedAt(runDetection(credentialExfiltration, twoInstances, detectionRun({ network: inside }))),
    ).toEqual([]);
  });
});
