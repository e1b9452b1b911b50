import { describe, expect, it } from "vitest";
import {
  CUSTOMER_KEY_WRITES,
  dataDestruction,
  MASS_DELETION,
  MASS_DELETION_AFTER_LISTING,
} from "../../../shared/domain/detections/data-destruction.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf } from "../../support/context.ts";
import { type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");

/** An S3 data event by the svc-ci key, `i` seconds after T0. */
function s3(
  i: number,
  eventName: string,
  requestParameters: RawRecord,
  extra: RawRecord = {},
): CredentialUse {
  return useOf(
    userKeyRecord({
      eventTime: new Date(T0 + i * 1000).toISOString(),
      eventID: `s3-${i}-${eventName}`,
      eventSource: "s3.amazonaws.com",
      eventName,
      requestParameters,
      eventCategory: "Data",
      ...extra,
    }),
  );
}

const remove = (i: number, bucket = "orders-archive") =>
  s3(i, "DeleteObject", { bucketName: bucket, key: `o/${i}.json` });

describe("dataDestruction", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(dataDestruction.id).toBe("data-destruction");
    expect(dataDestruction.weight).toBe(35);
    expect(dataDestruction.attack).toEqual(["T1485", "T1486"]);
  });

  it(`fires on the ${MASS_DELETION}th object deleted from one bucket within ten minutes, once`, () => {
    const signals = runDetection(
      dataDestruction,
      Array.from({ length: 40 }, (_, i) => remove(i)),
    );
    expect(firedAt(signals)).toEqual([MASS_DELETION - 1]);
    expect(signals[MASS_DELETION - 1]?.reason).toContain(
      `(deletes ${MASS_DELETION} objects from bucket "orders-archive" within 10 minutes)`,
    );
  });

  it("counts each bucket on its own and forgets deletions older than ten minutes", () => {
    const spread = Array.from({ length: 40 }, (_, i) => remove(i, `bucket-${i % 2}`));
    expect(firedAt(runDetection(dataDestruction, spread))).toEqual([]);
    const slow = Array.from({ length: 40 }, (_, i) => remove(i * 30));
    expect(firedAt(runDetection(dataDestruction, slow))).toEqual([]);
  });

  it(`needs only ${MASS_DELETION_AFTER_LISTING} right after the bucket's versions were listed; a DeleteObjects batch counts ten`, () => {
    const signals = runDetection(dataDestruction, [
      s3(0, "ListObjectVersions", { bucketName: "orders-archive", versions: "" }),
      s3(1, "DeleteObjects", { bucketName: "orders-archive", delete: "" }),
    ]);
    expect(signals[1]?.reason).toContain(
      'deletes 1 DeleteObjects batch from bucket "orders-archive" within 10 minutes, right after listing its object versions',
    );
    const batches = [0, 1, 2].map((i) => s3(i, "DeleteObjects", { bucketName: "b", delete: "" }));
    expect(firedAt(runDetection(dataDestruction, batches))).toEqual([2]);
  });

  it(`fires when ${CUSTOMER_KEY_WRITES} objects are rewritten with a customer-provided key`, () => {
    const sseC = (i: number) =>
      s3(i, "CopyObject", {
        bucketName: "orders-archive",
        key: `o/${i}.json`,
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
      });
    const signals = runDetection(
      dataDestruction,
      Array.from({ length: 6 }, (_, i) => sseC(i)),
    );
    expect(firedAt(signals)).toEqual([CUSTOMER_KEY_WRITES - 1]);
    expect(signals[CUSTOMER_KEY_WRITES - 1]?.reason).toContain("with a customer-provided key (SSE-C)");
    const plain = Array.from({ length: 6 }, (_, i) => s3(i, "PutObject", { bucketName: "b", key: `k${i}` }));
    expect(firedAt(runDetection(dataDestruction, plain))).toEqual([]);
  });

  it("counts denied deletions as attempts", () => {
    const denied = Array.from({ length: MASS_DELETION }, (_, i) => ({
      ...remove(i),
      errorCode: "AccessDenied",
    }));
    expect(runDetection(dataDestruction, denied)[MASS_DELETION - 1]?.reason).toContain(
      "attempted s3:DeleteObject",
    );
  });

  it("stays quiet for deployers, CloudFormation and CDK's autoDeleteObjects provider", () => {
    const deployer = configOf({
      profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, deployer: true }],
    });
    const deletions = Array.from({ length: 40 }, (_, i) => remove(i));
    expect(firedAt(runDetection(dataDestruction, deletions, detectionRun({ config: deployer })))).toEqual([]);
    const cdk = Array.from({ length: 40 }, (_, i) =>
      useOf(
        roleSessionRecord(
          {
            eventTime: new Date(T0 + i * 1000).toISOString(),
            eventSource: "s3.amazonaws.com",
            eventName: "DeleteObject",
            requestParameters: { bucketName: "site", key: `k${i}` },
          },
          { role: "App-CustomS3AutoDeleteObjectsCustomResourceProviderRole-1A2B3C" },
        ),
      ),
    );
    expect(firedAt(runDetection(dataDestruction, cdk))).toEqual([]);
  });
});
