import { describe, expect, it } from "vitest";
import {
  tokenIssueCutoff,
  useAfterRevocation,
} from "../../../shared/domain/detections/use-after-revocation.ts";
import type { CredentialUse } from "../../../shared/domain/event.ts";
import { ACCOUNT, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";
import { firedAt, runDetection } from "../../support/run-detection.ts";

const ADMIN = `arn:aws:iam::${ACCOUNT}:user/security-admin`;

/** A call of the svc-ci user's key at `time`. */
function ciCall(time: string, errorCode?: string): CredentialUse {
  return useOf(userKeyRecord({ eventTime: time, errorCode }));
}

/** An IAM call made by the security admin (another principal) at `time`. */
function adminCall(
  eventName: string,
  requestParameters: Record<string, unknown>,
  time: string,
  errorCode?: string,
) {
  return useOf(
    userKeyRecord({
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAEXAMPLEADMIN0001",
        arn: ADMIN,
        accountId: ACCOUNT,
        accessKeyId: "AKIAEXAMPLEADMIN0001",
        userName: "security-admin",
      },
      eventTime: time,
      eventSource: "iam.amazonaws.com",
      eventName,
      awsRegion: "us-east-1",
      sourceIPAddress: "198.51.100.200",
      requestParameters,
      errorCode,
      managementEvent: true,
      eventCategory: "Management",
    }),
  );
}

/** A call of an orders-api session issued at `issuedAt`. */
function sessionCall(time: string, issuedAt: string, role = "orders-api", errorCode?: string): CredentialUse {
  return useOf(roleSessionRecord({ eventTime: time, errorCode }, { role, issuedAt }));
}

function revokePolicy(cutoff: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Deny",
        Action: ["*"],
        Resource: ["*"],
        Condition: { DateLessThan: { "aws:TokenIssueTime": cutoff } },
      },
    ],
  });
}

describe("useAfterRevocation on access keys", () => {
  it("fires when a deactivated key is used, and stops once it is active again", () => {
    const key = { accessKeyId: "AKIAEXAMPLE000000001", userName: "svc-ci" };
    const signals = runDetection(useAfterRevocation, [
      ciCall("2026-03-03T10:00:00Z"),
      adminCall("UpdateAccessKey", { ...key, status: "Inactive" }, "2026-03-03T10:05:00Z"),
      ciCall("2026-03-03T10:20:00Z", "InvalidClientTokenId"),
      ciCall("2026-03-03T10:21:00Z"),
      adminCall("UpdateAccessKey", { ...key, status: "Active" }, "2026-03-03T11:00:00Z"),
      ciCall("2026-03-03T11:30:00Z"),
    ]);
    expect(firedAt(signals)).toEqual([2, 3]);
    expect(signals[2]?.reason).toBe(
      `access key AKIAEXAMPLE000000001 was deactivated by ${ADMIN} at 2026-03-03T10:05:00Z; this s3:PutObject at 2026-03-03T10:20:00Z failed with InvalidClientTokenId`,
    );
    expect(signals[3]?.reason).toContain("at 2026-03-03T10:21:00Z succeeded");
  });

  it("fires when a deleted key is used", () => {
    const signals = runDetection(useAfterRevocation, [
      adminCall(
        "DeleteAccessKey",
        { accessKeyId: "AKIAEXAMPLE000000001", userName: "svc-ci" },
        "2026-03-03T10:05:00Z",
      ),
      ciCall("2026-03-03T10:20:00Z"),
    ]);
    expect(firedAt(signals)).toEqual([1]);
    expect(signals[1]?.reason).toContain("was deleted by");
  });

  it("ignores revocations that failed and keys other than the revoked one", () => {
    const signals = runDetection(useAfterRevocation, [
      adminCall(
        "UpdateAccessKey",
        { accessKeyId: "AKIAEXAMPLE000000001", status: "Inactive" },
        "2026-03-03T10:05:00Z",
        "AccessDenied",
      ),
      adminCall(
        "UpdateAccessKey",
        { accessKeyId: "AKIAEXAMPLE000000099", status: "Inactive" },
        "2026-03-03T10:06:00Z",
      ),
      ciCall("2026-03-03T10:20:00Z"),
      adminCall("ListUsers", {}, "2026-03-03T10:21:00Z"), // the revoker's own calls are not revoked
    ]);
    expect(firedAt(signals)).toEqual([]);
  });
});

describe("useAfterRevocation on role sessions", () => {
  it("fires for sessions issued before the cutoff and used after the revocation, not for newer sessions", () => {
    const signals = runDetection(useAfterRevocation, [
      sessionCall("2026-03-03T09:59:00Z", "2026-03-03T09:00:00Z"), // before the revocation was made
      adminCall(
        "PutRolePolicy",
        {
          roleName: "orders-api",
          policyName: "AWSRevokeOlderSessions",
          policyDocument: revokePolicy("2026-03-03T10:00:00Z"),
        },
        "2026-03-03T10:00:10Z",
      ),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:00:00Z", "orders-api", "AccessDenied"),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T10:01:00Z"), // a session issued after the cutoff
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:00:00Z", "billing-api"), // another role
    ]);
    expect(firedAt(signals)).toEqual([2]);
    expect(signals[2]?.reason).toBe(
      `sessions of role orders-api issued before 2026-03-03T10:00:00Z were revoked by ${ADMIN} (inline policy "AWSRevokeOlderSessions") at 2026-03-03T10:00:10Z; session "orders-api-session" issued at 2026-03-03T09:00:00Z made dynamodb:GetItem at 2026-03-03T10:05:00Z, which failed with AccessDenied`,
    );
  });

  it("matches a role with a path by its name, reads URL-encoded documents and lifts the revocation when the policy is deleted", () => {
    const role = { roleName: "orders-api", policyName: "deny-old-tokens" };
    const signals = runDetection(useAfterRevocation, [
      adminCall(
        "PutRolePolicy",
        { ...role, policyDocument: encodeURIComponent(revokePolicy("2026-03-03T10:00:00Z")) },
        "2026-03-03T10:00:10Z",
      ),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:00:00Z", "service/orders-api"),
      adminCall("DeleteRolePolicy", role, "2026-03-03T10:30:00Z"),
      sessionCall("2026-03-03T10:35:00Z", "2026-03-03T09:00:00Z", "service/orders-api"),
    ]);
    expect(firedAt(signals)).toEqual([1]);
  });

  it("uses the time of the call when AWSRevokeOlderSessions has no readable cutoff, and for a deleted role", () => {
    const revoked = runDetection(useAfterRevocation, [
      adminCall(
        "PutRolePolicy",
        { roleName: "orders-api", policyName: "AWSRevokeOlderSessions", policyDocument: "not json" },
        "2026-03-03T10:00:00Z",
      ),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:59:00Z"),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T10:01:00Z"),
    ]);
    expect(firedAt(revoked)).toEqual([1]);
    const deleted = runDetection(useAfterRevocation, [
      adminCall("DeleteRole", { roleName: "orders-api" }, "2026-03-03T10:00:00Z"),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:00:00Z", "orders-api", "AccessDenied"),
    ]);
    expect(firedAt(deleted)).toEqual([1]);
    expect(deleted[1]?.reason).toContain("role orders-api was deleted by");
  });

  it("keeps revocations of policies with any valid name, __proto__ included", () => {
    const signals = runDetection(useAfterRevocation, [
      adminCall(
        "PutRolePolicy",
        {
          roleName: "orders-api",
          policyName: "__proto__",
          policyDocument: revokePolicy("2026-03-03T10:00:00Z"),
        },
        "2026-03-03T10:00:10Z",
      ),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T10:01:00Z"),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:00:00Z"),
    ]);
    expect(firedAt(signals)).toEqual([2]);
  });

  it("does not revoke for an inline policy without a token-issue-time deny", () => {
    const signals = runDetection(useAfterRevocation, [
      adminCall(
        "PutRolePolicy",
        {
          roleName: "orders-api",
          policyName: "read-orders",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: { Effect: "Allow", Action: "dynamodb:GetItem", Resource: "*" },
          }),
        },
        "2026-03-03T10:00:00Z",
      ),
      sessionCall("2026-03-03T10:05:00Z", "2026-03-03T09:00:00Z"),
    ]);
    expect(firedAt(signals)).toEqual([]);
  });
});

describe("tokenIssueCutoff", () => {
  it("reads the latest DateLessThan aws:TokenIssueTime of a Deny statement, in any spelling", () => {
    expect(tokenIssueCutoff(revokePolicy("2026-03-03T10:00:00Z"))).toBe(Date.parse("2026-03-03T10:00:00Z"));
    const doc = {
      Statement: [
        {
          Effect: "Allow",
          Action: "*",
          Resource: "*",
          Condition: { DateLessThan: { "aws:TokenIssueTime": "2030-01-01T00:00:00Z" } },
        },
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { datelessthan: { "AWS:TokenIssueTime": ["2026-03-01T00:00:00Z", "1772532000"] } },
        },
      ],
    };
    expect(tokenIssueCutoff(encodeURIComponent(JSON.stringify(doc)))).toBe(1772532000 * 1000);
    expect(tokenIssueCutoff("%7Bbroken")).toBeUndefined();
    expect(tokenIssueCutoff(undefined)).toBeUndefined();
  });
});
