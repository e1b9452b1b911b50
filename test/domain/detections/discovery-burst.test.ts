import { describe, expect, it } from "vitest";
import { discoveryBurst, MAX_ACTIONS } from "../../../shared/domain/detections/discovery-burst.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");
const DAY = 86_400_000;
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A call of the svc-ci key at epoch ms `at`. */
function call(at: number, eventSource: string, eventName: string, errorCode?: string): CredentialUse {
  return useOf(userKeyRecord({ eventTime: iso(at), eventSource, eventName, errorCode, readOnly: true }));
}

/** The daily routine of the key: two S3 actions. */
function routine(day: number): CredentialUse[] {
  return [
    call(T0 + day * DAY, "s3.amazonaws.com", "PutObject"),
    call(T0 + day * DAY + MIN, "s3.amazonaws.com", "GetObject"),
  ];
}

const EC2_LISTS = [
  "DescribeInstances",
  "DescribeVpcs",
  "DescribeSubnets",
  "DescribeSecurityGroups",
  "DescribeVolumes",
  "DescribeSnapshots",
  "DescribeImages",
  "DescribeKeyPairs",
  "DescribeAddresses",
  "DescribeRegions",
  "DescribeRouteTables",
  "DescribeNatGateways",
];

/** EC2 Describe calls (one service), one every 20 seconds from `start`. */
function ec2Enumeration(start: number, names: readonly string[] = EC2_LISTS): CredentialUse[] {
  return names.map((name, i) => call(start + i * 20_000, "ec2.amazonaws.com", name));
}

describe("discoveryBurst", () => {
  it("stays quiet while the credential is learning, then fires once on a burst of new actions", () => {
    const run = detectionRun();
    const learning = runDetection(discoveryBurst, [...routine(0), ...ec2Enumeration(T0 + 2 * MIN)], run);
    expect(firedAt(learning)).toEqual([]);

    const later = T0 + 8 * DAY;
    const signals = runDetection(
      discoveryBurst,
      [
        ...routine(8),
        ...ec2Enumeration(later + 2 * MIN), // all learned during the learning period
        ...ec2Enumeration(
          later + 10 * MIN,
          EC2_LISTS.map((name) => name.replace("Describe", "List")),
        ),
      ],
      run,
    );
    // 2 routine + 12 known + 12 new: the tenth new one fires, the two after it do not.
    expect(firedAt(signals)).toEqual([2 + 12 + 9]);
    expect(signals[23]?.reason).toBe(
      "10 actions never used before by AKIAEXAMPLE000000001 within 10 minutes, 0 of them in services it never used (ec2:ListInstances, ec2:ListVpcs, ec2:ListSubnets, ec2:ListSecurityGroups, ec2:ListVolumes, …)",
    );
  });

  it("does not fire twice within ten minutes, and can fire again after", () => {
    const run = detectionRun();
    runDetection(discoveryBurst, routine(0), run);
    const start = T0 + 8 * DAY;
    const first = EC2_LISTS.map((name) => name.replace("Describe", "List"));
    const second = EC2_LISTS.map((name) => name.replace("Describe", "Get"));
    const third = EC2_LISTS.map((name) => name.replace("Describe", "Search"));
    const signals = runDetection(
      discoveryBurst,
      [
        ...ec2Enumeration(start, first), // fires at 3 min
        ...ec2Enumeration(start + 5 * MIN, second), // within the cooldown
        ...ec2Enumeration(start + 25 * MIN, third), // a new burst
      ],
      run,
    );
    expect(firedAt(signals)).toEqual([9, 24 + 9]);
  });

  it("fires on five services never used, even with few actions", () => {
    const run = detectionRun();
    runDetection(discoveryBurst, routine(0), run);
    const at = T0 + 8 * DAY;
    const signals = runDetection(
      discoveryBurst,
      [
        call(at, "iam.amazonaws.com", "ListUsers"),
        call(at + MIN, "iam.amazonaws.com", "ListUsers"), // the same action again counts once
        call(at + 2 * MIN, "secretsmanager.amazonaws.com", "ListSecrets"),
        call(at + 3 * MIN, "lambda.amazonaws.com", "ListFunctions20150331", "AccessDenied"),
        call(at + 4 * MIN, "rds.amazonaws.com", "DescribeDBInstances"),
        call(at + 5 * MIN, "s3.amazonaws.com", "ListBuckets"), // s3 is a known service
        call(at + 6 * MIN, "dynamodb.amazonaws.com", "ListTables"),
      ],
      run,
    );
    expect(firedAt(signals)).toEqual([6]);
    expect(signals[6]?.reason).toContain("6 actions never used before");
    expect(signals[6]?.reason).toContain("5 of them in services it never used");
  });

  it("stays quiet when new actions trickle in over hours", () => {
    const run = detectionRun();
    runDetection(discoveryBurst, routine(0), run);
    const start = T0 + 8 * DAY;
    const signals = runDetection(
      discoveryBurst,
      EC2_LISTS.map((name, i) => call(start + i * 15 * MIN, "ec2.amazonaws.com", name)),
      run,
    );
    expect(firedAt(signals)).toEqual([]);
  });

  it("keeps at most MAX_ACTIONS actions per subject", () => {
    const run = detectionRun();
    runDetection(
      discoveryBurst,
      Array.from({ length: 2_000 }, (_, i) => call(T0 + i * 1_000, "ec2.amazonaws.com", `Describe${i}`)),
      run,
    );
    const stored = run.baselines.get<{ known: Record<string, object>; count: number }>(
      "discovery-burst",
      "AKIAEXAMPLE000000001",
    );
    const actions = Object.values(stored?.known ?? {}).reduce((n, names) => n + Object.keys(names).length, 0);
    expect(actions).toBe(MAX_ACTIONS);
    expect(stored?.count).toBe(MAX_ACTIONS);
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
  });
});
