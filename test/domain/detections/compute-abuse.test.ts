import { describe, expect, it } from "vitest";
import {
  computeAbuse,
  MANY_INSTANCES,
  MANY_INSTANCES_IN_WINDOW,
} from "../../../shared/domain/detections/compute-abuse.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf } from "../../support/context.ts";
import { type RawRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");

/** A RunInstances as EC2 logs it: the count in `instancesSet.items[]`, the type at the top. */
function launch(i: number, instanceType: string, count = 1, extra: RawRecord = {}): CredentialUse {
  return useOf(
    userKeyRecord({
      eventTime: new Date(T0 + i * 30_000).toISOString(),
      eventID: `run-${i}`,
      eventSource: "ec2.amazonaws.com",
      eventName: "RunInstances",
      requestParameters: {
        instancesSet: { items: [{ imageId: "ami-1", minCount: count, maxCount: count }] },
        instanceType,
        blockDeviceMapping: {},
      },
      ...extra,
    }),
  );
}

describe("computeAbuse", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(computeAbuse.id).toBe("compute-abuse");
    expect(computeAbuse.weight).toBe(28);
    expect(computeAbuse.attack).toEqual(["T1496.001", "T1578.002"]);
  });

  it("fires on GPU instances of a family never launched, denied too; a launched family is then known", () => {
    const signals = runDetection(computeAbuse, [
      launch(0, "p3.2xlarge", 1, { errorCode: "Client.UnauthorizedOperation" }),
      launch(40, "g5.xlarge"),
      launch(80, "g5.2xlarge"),
      launch(120, "m7g.large"),
    ]);
    expect(firedAt(signals)).toEqual([0, 1]);
    expect(signals[0]?.reason).toContain(
      'attempted ec2:RunInstances (launches 1 accelerated "p3.2xlarge" instance, a family it never launched)',
    );
  });

  it(`fires on ${MANY_INSTANCES} instances at once or ${MANY_INSTANCES_IN_WINDOW} within ten minutes`, () => {
    expect(runDetection(computeAbuse, [launch(0, "t3.micro", MANY_INSTANCES)])[0]?.reason).toContain(
      `launches ${MANY_INSTANCES} "t3.micro" instances at once`,
    );
    const trickle = Array.from({ length: 5 }, (_, i) => launch(i, "t3.micro", 5));
    expect(firedAt(runDetection(computeAbuse, trickle))).toEqual([3]);
    const spread = Array.from({ length: 5 }, (_, i) => launch(i * 40, "t3.micro", 5));
    expect(firedAt(runDetection(computeAbuse, spread))).toEqual([]);
  });

  it("reads RequestSpotInstances", () => {
    const spot = useOf(
      userKeyRecord({
        eventSource: "ec2.amazonaws.com",
        eventName: "RequestSpotInstances",
        requestParameters: {
          instanceCount: 2,
          launchSpecification: { instanceType: "p4d.24xlarge", imageId: "ami-1" },
        },
      }),
    );
    expect(runDetection(computeAbuse, [spot])[0]?.reason).toContain(
      'launches 2 accelerated "p4d.24xlarge" instances',
    );
  });

  it("stays quiet for deployers, CloudFormation, Auto Scaling and ordinary launches", () => {
    const deployer = configOf({
      profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, deployer: true }],
    });
    expect(
      firedAt(runDetection(computeAbuse, [launch(0, "p3.2xlarge", 20)], detectionRun({ config: deployer }))),
    ).toEqual([]);
    const byStack = launch(0, "p3.2xlarge", 1, { sourceIPAddress: "cloudformation.amazonaws.com" });
    const byAsg = launch(0, "g5.xlarge", 12, { sourceIPAddress: "autoscaling.amazonaws.com" });
    expect(firedAt(runDetection(computeAbuse, [byStack, byAsg]))).toEqual([]);
    expect(firedAt(runDetection(computeAbuse, [launch(0, "m6i.large", 2)]))).toEqual([]);
  });
});
