import { describe, expect, it } from "vitest";
import { unexpectedRegion } from "../../../shared/domain/detections/unexpected-region.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf } from "../../support/context.ts";
import { useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:15:00Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A call with the svc-ci key in `region`, `days` after T0. */
function callIn(
  region: string | undefined,
  days: number,
  eventSource = "s3.amazonaws.com",
  eventName = "PutObject",
) {
  return useOf(userKeyRecord({ awsRegion: region, eventTime: iso(T0 + days * DAY), eventSource, eventName }));
}

describe("unexpectedRegion", () => {
  it("learns regions during the learning period, then fires on a region never seen", () => {
    const signals = runDetection(unexpectedRegion, [
      callIn("eu-central-1", 0),
      callIn("eu-west-1", 2), // new, but still learning
      callIn("eu-west-1", 8),
      callIn("ap-southeast-1", 8, "ec2.amazonaws.com", "DescribeInstances"),
      callIn("ap-southeast-1", 9), // learned by the call before
    ]);
    expect(firedAt(signals)).toEqual([3]);
    expect(signals[3]?.reason).toBe(
      "first call of AKIAEXAMPLE000000001 in ap-southeast-1 (ec2:DescribeInstances); regions seen before: eu-central-1, eu-west-1",
    );
  });

  it("fires on any region outside the declared ones, even while learning", () => {
    const config = configOf({
      profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, regions: ["eu-central-1"] }],
    });
    const signals = runDetection(
      unexpectedRegion,
      [callIn("eu-central-1", 0), callIn("eu-west-1", 1), callIn("eu-central-1", 9)],
      detectionRun({ config }),
    );
    expect(firedAt(signals)).toEqual([1]);
    expect(signals[1]?.reason).toBe(
      's3:PutObject in eu-west-1, outside the regions declared by profile "ci" (eu-central-1)',
    );
  });

  it("ignores global services that CloudTrail logs in us-east-1, and calls without a region", () => {
    const config = configOf({
      profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, regions: ["eu-central-1"] }],
    });
    const uses: CredentialUse[] = [
      callIn("eu-central-1", 0),
      callIn("us-east-1", 9, "iam.amazonaws.com", "ListRoles"),
      callIn("us-east-1", 9, "sts.amazonaws.com", "GetCallerIdentity"),
      callIn("us-east-1", 9, "organizations.amazonaws.com", "ListAccounts"),
      callIn("us-east-1", 9, "signin.amazonaws.com", "ConsoleLogin"),
      callIn("us-east-1", 9, "ce.amazonaws.com", "GetCostAndUsage"),
      callIn(undefined, 9),
      callIn("us-west-2", 9, "sts.amazonaws.com", "GetCallerIdentity"), // a regional STS endpoint counts
      callIn("us-east-1", 9, "s3.amazonaws.com", "ListBuckets"), // S3 is regional
    ];
    expect(firedAt(runDetection(unexpectedRegion, uses, detectionRun({ config })))).toEqual([7, 8]);
    // Without declared regions the global calls are not learned either.
    const learned = detectionRun();
    runDetection(unexpectedRegion, uses.slice(0, 7), learned);
    expect(learned.baselines.get("unexpected-region", "AKIAEXAMPLE000000001")).toEqual({
      regions: { "eu-central-1": T0 },
    });
  });
});
