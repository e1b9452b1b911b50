import { describe, expect, it } from "vitest";
import { BaselineProbe } from "../../functions/common/baseline-probe.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { configOf, fakeNetwork } from "../support/context.ts";
import { roleSessionRecord, useOf, userKeyRecord } from "../support/records.ts";

const probe = new BaselineProbe({
  config: configOf(),
  detections: DETECTIONS,
  network: fakeNetwork(),
  clock: { now: () => 0 },
});

describe("BaselineProbe", () => {
  it("lists the baselines an access key's call touches, each once", () => {
    const use = useOf(userKeyRecord());
    const refs = probe.refsOf([use, use]);
    const key = "AKIAEXAMPLE000000001";
    expect(refs).toEqual(
      expect.arrayContaining([
        { namespace: "subject", key },
        { namespace: "new-source", key },
        { namespace: "discovery-burst", key },
        { namespace: "unexpected-region", key },
        { namespace: "use-after-revocation", key: `key:${key}` },
      ]),
    );
    expect(new Set(refs.map((r) => `${r.namespace}/${r.key}`)).size).toBe(refs.length);
  });

  it("includes the keys a revoking call names, not only the caller's", () => {
    const deactivate = useOf(
      userKeyRecord({
        eventSource: "iam.amazonaws.com",
        eventName: "UpdateAccessKey",
        requestParameters: { accessKeyId: "AKIAOTHERKEY00000001", status: "Inactive", userName: "svc-b" },
      }),
    );
    expect(probe.refsOf([deactivate])).toContainEqual({
      namespace: "use-after-revocation",
      key: "key:AKIAOTHERKEY00000001",
    });
  });

  it("keys a role session's state by its role", () => {
    const refs = probe.refsOf([useOf(roleSessionRecord())]);
    expect(refs.some((r) => r.namespace === "use-after-revocation" && r.key.startsWith("role:"))).toBe(true);
    expect(refs).toContainEqual({ namespace: "subject", key: expect.stringContaining(":role/") });
  });
});
