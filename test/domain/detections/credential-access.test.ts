import { describe, expect, it } from "vitest";
import {
  credentialAccess,
  HARVEST_AFTER_LISTING_THRESHOLD,
  HARVEST_THRESHOLD,
  USER_DATA_THRESHOLD,
} from "../../../shared/domain/detections/credential-access.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { configOf } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { detectionRun, firedAt, runDetection } from "../../support/run-detection.ts";

const T0 = Date.parse("2026-03-03T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A call by the svc-ci key `i` × 10 seconds after T0. */
function call(
  i: number,
  eventSource: string,
  eventName: string,
  requestParameters: RawRecord | null,
  extra: RawRecord = {},
): CredentialUse {
  return useOf(
    userKeyRecord({
      eventTime: iso(T0 + i * 10_000),
      eventID: `e-${i}-${eventName}`,
      eventSource,
      eventName,
      requestParameters,
      readOnly: true,
      ...extra,
    }),
  );
}

const secret = (i: number, n: number) =>
  call(i, "secretsmanager.amazonaws.com", "GetSecretValue", {
    secretId: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:app/secret-${n}-AbCdEf`,
  });
const password = (i: number, instance: string, extra: RawRecord = {}) =>
  call(i, "ec2.amazonaws.com", "GetPasswordData", { instanceId: instance }, extra);
const userData = (i: number, instance: string, extra: RawRecord = {}) =>
  call(
    i,
    "ec2.amazonaws.com",
    "DescribeInstanceAttribute",
    { instanceId: instance, attribute: "userData" },
    extra,
  );

describe("credentialAccess", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(credentialAccess.id).toBe("credential-access");
    expect(credentialAccess.weight).toBe(30);
    expect(credentialAccess.attack).toEqual(["T1555.006", "T1552"]);
  });

  describe("Windows passwords", () => {
    it("fires on a machine's GetPasswordData, denied too, then stays quiet for ten minutes", () => {
      const denied = { errorCode: "Client.UnauthorizedOperation" };
      const signals = runDetection(credentialAccess, [
        password(0, "i-01", denied),
        password(1, "i-02", denied),
        password(61, "i-03", denied),
      ]);
      expect(firedAt(signals)).toEqual([0, 2]);
      expect(signals[0]?.reason).toContain(
        'attempted ec2:GetPasswordData (retrieves the Windows administrator password of "i-01"), denied with Client.UnauthorizedOperation',
      );
    });

    it("lets a person fetch a password in the console, but not several at once", () => {
      const console = (i: number, instance: string) =>
        useOf(
          roleSessionRecord(
            {
              eventTime: iso(T0 + i * 10_000),
              eventID: `c-${i}`,
              eventSource: "ec2.amazonaws.com",
              eventName: "GetPasswordData",
              requestParameters: { instanceId: instance },
              sessionCredentialFromConsole: "true",
            },
            { role: "AWSReservedSSO_Admin_0123456789abcdef", name: "lena@example.com" },
          ),
        );
      const signals = runDetection(
        credentialAccess,
        Array.from({ length: USER_DATA_THRESHOLD }, (_, i) => console(i, `i-0${i}`)),
      );
      expect(firedAt(signals)).toEqual([USER_DATA_THRESHOLD - 1]);
    });
  });

  describe("user data", () => {
    it(`fires when the user data of ${USER_DATA_THRESHOLD} instances is read within ten minutes`, () => {
      const signals = runDetection(
        credentialAccess,
        Array.from({ length: 8 }, (_, i) =>
          userData(i, `i-0${i}`, { errorCode: "Client.UnauthorizedOperation" }),
        ),
      );
      expect(firedAt(signals)).toEqual([USER_DATA_THRESHOLD - 1]);
      expect(signals[USER_DATA_THRESHOLD - 1]?.reason).toContain(
        `reads the user data of ${USER_DATA_THRESHOLD} instances within 10 minutes`,
      );
    });

    it("stays quiet for one instance read again and again, other attributes and declared deployers", () => {
      expect(
        firedAt(
          runDetection(
            credentialAccess,
            Array.from({ length: 8 }, (_, i) => userData(i, "i-01")),
          ),
        ),
      ).toEqual([]);
      const other = Array.from({ length: 8 }, (_, i) =>
        call(i, "ec2.amazonaws.com", "DescribeInstanceAttribute", {
          instanceId: `i-0${i}`,
          attribute: "instanceType",
        }),
      );
      expect(firedAt(runDetection(credentialAccess, other))).toEqual([]);
      const deployer = configOf({
        profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, deployer: true }],
      });
      const refresh = Array.from({ length: 8 }, (_, i) => userData(i, `i-0${i}`));
      expect(firedAt(runDetection(credentialAccess, refresh, detectionRun({ config: deployer })))).toEqual(
        [],
      );
    });
  });

  describe("secrets and parameters", () => {
    it(`fires on the ${HARVEST_THRESHOLD}th never-read secret within ten minutes, naming them`, () => {
      const signals = runDetection(
        credentialAccess,
        Array.from({ length: 12 }, (_, i) => secret(i, i)),
      );
      expect(firedAt(signals)).toEqual([HARVEST_THRESHOLD - 1]);
      expect(signals[HARVEST_THRESHOLD - 1]?.reason).toContain(
        `reads secrets and parameters it never read before: ${HARVEST_THRESHOLD} within 10 minutes`,
      );
    });

    it(`needs only ${HARVEST_AFTER_LISTING_THRESHOLD} right after the credential listed the secrets`, () => {
      const signals = runDetection(credentialAccess, [
        call(0, "secretsmanager.amazonaws.com", "ListSecrets", null),
        secret(1, 1),
        secret(2, 2),
        secret(3, 3),
      ]);
      expect(firedAt(signals)).toEqual([3]);
    });

    it("stays quiet for a workload reading its own secrets again, day after day", () => {
      const run = detectionRun();
      const day = (d: number) => Array.from({ length: 6 }, (_, i) => secret(d * 8_640 + i, i));
      expect(firedAt(runDetection(credentialAccess, [...day(0), ...day(1), ...day(2)], run))).toEqual([]);
    });

    it("counts SSM parameters read with decryption, ten names per GetParameters, not plain reads", () => {
      const names = (batch: number) => Array.from({ length: 5 }, (_, i) => `/prod/param-${batch * 5 + i}`);
      const decrypted = [0, 1].map((b) =>
        call(b, "ssm.amazonaws.com", "GetParameters", { names: names(b), withDecryption: true }),
      );
      expect(firedAt(runDetection(credentialAccess, decrypted))).toEqual([1]);
      const plain = [0, 1].map((b) =>
        call(b, "ssm.amazonaws.com", "GetParameters", { names: names(b), withDecryption: false }),
      );
      expect(firedAt(runDetection(credentialAccess, plain))).toEqual([]);
    });

    it("fires on a BatchGetSecretValue by filter and on every SecureString under / at once", () => {
      const byFilter = call(0, "secretsmanager.amazonaws.com", "BatchGetSecretValue", {
        filters: [{ key: "tag-key", values: ["env"] }],
      });
      expect(runDetection(credentialAccess, [byFilter])[0]?.reason).toContain(
        'reads every secret matching filter "tag-key"="env" at once',
      );
      const everything = call(0, "ssm.amazonaws.com", "GetParametersByPath", {
        path: "/",
        recursive: true,
        withDecryption: true,
      });
      expect(runDetection(credentialAccess, [everything])[0]?.reason).toContain(
        'reads every parameter matching path "/" (recursive) at once',
      );
      const own = call(0, "ssm.amazonaws.com", "GetParametersByPath", {
        path: "/orders/prod/",
        recursive: true,
        withDecryption: true,
      });
      expect(runDetection(credentialAccess, [own])[0]).toBeUndefined();
      const byIds = call(0, "secretsmanager.amazonaws.com", "BatchGetSecretValue", {
        secretIdList: ["a", "b"],
      });
      expect(runDetection(credentialAccess, [byIds])[0]).toBeUndefined();
    });

    it("counts denied reads as attempts but does not learn them as read", () => {
      const denied = Array.from({ length: HARVEST_THRESHOLD }, (_, i) => ({
        ...secret(i, i),
        errorCode: "AccessDeniedException",
      }));
      const run = detectionRun();
      const signals = runDetection(credentialAccess, denied, run);
      expect(firedAt(signals)).toEqual([HARVEST_THRESHOLD - 1]);
      expect(signals[HARVEST_THRESHOLD - 1]?.reason).toContain("attempted secretsmanager:GetSecretValue");
      // Twenty minutes later the same secrets, read for real, are still never-read ones.
      const read = Array.from({ length: HARVEST_THRESHOLD }, (_, i) => secret(120 + i, i));
      expect(firedAt(runDetection(credentialAccess, read, run))).toEqual([HARVEST_THRESHOLD - 1]);
    });
  });
});
