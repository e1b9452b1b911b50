import { describe, expect, it } from "vitest";
import { parseEventTime } from "../../../shared/domain/normalize/event-time.ts";
import { normalizeRecord } from "../../../shared/domain/normalize/normalize.ts";
import { ACCOUNT, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const origin = { file: "trail.json", line: 3, index: 2 };

function rejected(value: unknown): string {
  const result = normalizeRecord(value, origin);
  if (result.kind !== "rejected") throw new Error(`expected a rejection, got ${result.kind}`);
  return result.error;
}

describe("normalizeRecord", () => {
  it("normalizes a long-term key use into an access-key credential of the user", () => {
    const use = useOf(userKeyRecord());
    expect(use.credential).toEqual({ kind: "access-key", id: "AKIAEXAMPLE000000001" });
    expect(use.principal.arn).toBe(`arn:aws:iam::${ACCOUNT}:user/svc-ci`);
    expect(use.source).toEqual({ kind: "ip", ip: "203.0.113.10", vpcEndpointId: undefined });
    expect(use.eventTime).toBe(Date.parse("2026-03-03T10:15:00Z"));
    expect(use.region).toBe("eu-central-1");
  });

  it("keys role sessions by their role and keeps the session facts", () => {
    const use = useOf(roleSessionRecord({}, { name: "i-0abc1234def567890", ec2RoleDelivery: "2.0" }));
    expect(use.credential).toEqual({
      kind: "role-session",
      id: `arn:aws:iam::${ACCOUNT}:role/orders-api`,
      accessKeyId: "ASIAEXAMPLESESSION01",
    });
    expect(use.principal.sessionName).toBe("i-0abc1234def567890");
    expect(use.session).toEqual({
      issuedAt: Date.parse("2026-03-03T09:00:00Z"),
      mfa: false,
      sourceIdentity: undefined,
      ec2RoleDelivery: "2.0",
    });
    expect(use.source.vpcEndpointId).toBe("vpce-0a1b2c3d4e5f60718");
  });

  it("unwraps EventBridge events of both CloudTrail detail types", () => {
    for (const detailType of ["AWS API Call via CloudTrail", "AWS Console Signin via CloudTrail"]) {
      const event = {
        version: "0",
        id: "ev-1",
        "detail-type": detailType,
        source: "aws.s3",
        detail: userKeyRecord(),
      };
      const result = normalizeRecord(event, origin);
      expect(result.kind).toBe("use");
    }
  });

  it("rejects EventBridge events that carry no CloudTrail record, naming the detail-type", () => {
    const event = { version: "0", id: "ev-2", "detail-type": "GuardDuty Finding", detail: {} };
    expect(rejected(event)).toBe(
      'EventBridge event with detail-type "GuardDuty Finding" carries no CloudTrail record; vigil reads "AWS API Call via CloudTrail" and "AWS Console Signin via CloudTrail"',
    );
  });

  it("accepts old records that lack every optional field", () => {
    const result = normalizeRecord(
      {
        eventTime: "2014-03-06T21:22:54Z",
        eventSource: "ec2.amazonaws.com",
        eventName: "StartInstances",
        userIdentity: {
          type: "IAMUser",
          arn: `arn:aws:iam::${ACCOUNT}:user/Alice`,
          accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        },
      },
      origin,
    );
    expect(result.kind).toBe("use");
    if (result.kind === "use") {
      expect(result.use.eventId).toMatch(/^synthetic-[0-9a-f]{32}$/);
      expect(result.use.source.kind).toBe("unknown");
    }
  });

  it("reads the space-separated time some exporters write as UTC", () => {
    expect(useOf(userKeyRecord({ eventTime: "2025-02-19 20:13:49" })).eventTime).toBe(
      Date.parse("2025-02-19T20:13:49Z"),
    );
  });

  it.each([
    [
      { eventSource: "s3.amazonaws.com", eventName: "GetObject", userIdentity: {} },
      "eventTime is missing or not a string",
    ],
    [
      { eventTime: "2026-01-01T00:00:00Z", eventName: "GetObject", userIdentity: {} },
      "eventSource is missing or not a string",
    ],
    [
      { eventTime: "2026-01-01T00:00:00Z", eventSource: "s3.amazonaws.com", userIdentity: {} },
      "eventName is missing or not a string",
    ],
    [
      { eventTime: "2026-01-01T00:00:00Z", eventSource: "s3.amazonaws.com", eventName: "GetObject" },
      "userIdentity is missing or not an object",
    ],
    [
      { eventTime: "yesterday", eventSource: "s3.amazonaws.com", eventName: "GetObject", userIdentity: {} },
      'eventTime "yesterday" is not an ISO 8601 time such as "2024-05-01T12:00:00Z"',
    ],
    [
      {
        eventTime: "2026-02-30T00:00:00Z",
        eventSource: "s3.amazonaws.com",
        eventName: "GetObject",
        userIdentity: {},
      },
      'eventTime "2026-02-30T00:00:00Z" is not an ISO 8601 time such as "2024-05-01T12:00:00Z"',
    ],
    [
      { eventTime: 1700000000, eventSource: "s3.amazonaws.com", eventName: "GetObject", userIdentity: {} },
      "eventTime is missing or not a string (got 1700000000)",
    ],
    [
      { source: "panther", rule_id: "AWS.X", record: {} },
      'not a CloudTrail record: none of eventTime, eventSource, eventName, userIdentity is present (its keys: "source", "rule_id", "record")',
    ],
    [
      {},
      "not a CloudTrail record: none of eventTime, eventSource, eventName, userIdentity is present (its keys: none)",
    ],
    [[1, 2], "expected a CloudTrail record (a JSON object), got an array: [1,2]"],
    ["hello", 'expected a CloudTrail record (a JSON object), got string: "hello"'],
  ])("rejects %j with a specific reason", (value, message) => {
    expect(rejected(value)).toBe(message);
  });

  it("ignores calls made by an AWS service with no credential behind them", () => {
    const result = normalizeRecord(
      {
        eventTime: "2026-01-01T00:00:00Z",
        eventSource: "kms.amazonaws.com",
        eventName: "RotateKey",
        userIdentity: { accountId: ACCOUNT, invokedBy: "AWS Internal" },
        eventType: "AwsServiceEvent",
      },
      origin,
    );
    expect(result).toEqual({ kind: "ignored", reason: "no credential behind a typeless identity" });
  });

  it("marks root use and keeps the service that acted as root", () => {
    const use = useOf({
      eventTime: "2026-01-01T00:00:00Z",
      eventSource: "ec2.amazonaws.com",
      eventName: "CreateTags",
      userIdentity: { type: "Root", accountId: ACCOUNT, invokedBy: "autoscaling.amazonaws.com" },
      sourceIPAddress: "autoscaling.amazonaws.com",
    });
    expect(use.credential).toEqual({
      kind: "root",
      id: `arn:aws:iam::${ACCOUNT}:root`,
      accessKeyId: undefined,
    });
    expect(use.principal.invokedBy).toBe("autoscaling.amazonaws.com");
    expect(use.source).toEqual({
      kind: "aws-service",
      service: "autoscaling.amazonaws.com",
      vpcEndpointId: undefined,
    });
  });

  it("reads console sign-ins: outcome and MFA", () => {
    const use = useOf({
      eventTime: "2026-01-01T08:00:00Z",
      eventSource: "signin.amazonaws.com",
      eventName: "ConsoleLogin",
      userIdentity: {
        type: "IAMUser",
        arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        accountId: ACCOUNT,
        userName: "alice",
      },
      responseElements: { ConsoleLogin: "Failure" },
      additionalEventData: { MFAUsed: "No" },
      sourceIPAddress: "192.0.2.7",
    });
    expect(use.credential.kind).toBe("console");
    expect(use.mfaUsed).toBe(false);
    expect(use.errorCode).toBe("Failed authentication");
  });

  it("reads MFAUsed case-insensitively and leaves it unknown for SAML sign-ins", () => {
    const login = (data: Record<string, string>) =>
      useOf({
        eventTime: "2026-01-01T08:00:00Z",
        eventSource: "signin.amazonaws.com",
        eventName: "ConsoleLogin",
        userIdentity: { type: "Root", arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
        responseElements: { ConsoleLogin: "Success" },
        additionalEventData: data,
      });
    expect(login({ MFAUsed: "YES" }).mfaUsed).toBe(true);
    expect(
      login({ MFAUsed: "No", SamlProviderArn: `arn:aws:iam::${ACCOUNT}:saml-provider/okta` }).mfaUsed,
    ).toBeUndefined();
  });

  it("collects secret ids from every place Secrets Manager puts them, old aRN spelling included", () => {
    const use = useOf(
      roleSessionRecord({
        eventSource: "secretsmanager.amazonaws.com",
        eventName: "BatchGetSecretValue",
        requestParameters: { secretIdList: ["prod/a", "prod/b"] },
        responseElements: { aRN: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:prod/c-AbCdEf` },
      }),
    );
    expect(use.secretIds).toEqual([
      "prod/a",
      "prod/b",
      `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:prod/c-AbCdEf`,
    ]);
  });

  it("tolerates wrongly typed optional fields instead of rejecting the record", () => {
    const use = useOf(userKeyRecord({ awsRegion: 42, userAgent: { a: 1 }, requestParameters: "oops" }));
    expect(use.region).toBeUndefined();
    expect(use.userAgent).toBeUndefined();
    expect(use.requestParameters).toBeUndefined();
  });
});

describe("parseEventTime", () => {
  it("parses seconds of one minute after another the same as a fresh parse", () => {
    for (const text of [
      "2026-03-02T10:15:00Z",
      "2026-03-02T10:15:59Z",
      "2026-03-02T10:16:07Z",
      "2026-03-02T10:15:09Z",
    ]) {
      expect(parseEventTime(text)).toBe(Date.parse(text));
    }
  });

  it("rejects impossible seconds even when the minute was seen before", () => {
    expect(parseEventTime("2026-03-02T10:15:00Z")).toBe(Date.parse("2026-03-02T10:15:00Z"));
    expect(parseEventTime("2026-03-02T10:15:61Z")).toBeUndefined();
    expect(parseEventTime("2026-03-02T10:15:6xZ")).toBeUndefined();
  });

  it("reads fractions and offsets", () => {
    expect(parseEventTime("2026-03-02T10:15:00.250Z")).toBe(Date.parse("2026-03-02T10:15:00.250Z"));
    expect(parseEventTime("2026-03-02T12:15:00+02:00")).toBe(Date.parse("2026-03-02T10:15:00Z"));
  });
});
