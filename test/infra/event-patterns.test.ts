import { describe, expect, it } from "vitest";
import {
  arnMatcher,
  compileEventRules,
  EventPatternError,
  MAX_PATTERN_CHARS,
  TAMPERING_APIS,
} from "../../infra/event-patterns.ts";
import { configSchema } from "../../shared/domain/config/schema.ts";
import { loggingTampering } from "../../shared/domain/detections/logging-tampering.ts";
import { contextFor } from "../support/context.ts";
import { useOf, userKeyRecord } from "../support/records.ts";

const rulesOf = (input: unknown) => compileEventRules(configSchema.parse(input));

describe("arnMatcher", () => {
  it("keeps an ARN without wildcards as an exact string", () => {
    expect(arnMatcher("arn:aws:iam::111122223333:role/ci")).toBe("arn:aws:iam::111122223333:role/ci");
  });

  it("turns a single trailing * into a prefix", () => {
    expect(arnMatcher("arn:aws:iam::111122223333:user/svc-*")).toEqual({
      prefix: "arn:aws:iam::111122223333:user/svc-",
    });
  });

  it("uses a wildcard matcher for inner wildcards, widening ? and runs of wildcards to one *", () => {
    expect(arnMatcher("arn:aws:iam::*:role/app-??-*")).toEqual({ wildcard: "arn:aws:iam::*:role/app-*-*" });
    expect(arnMatcher("arn:aws:iam::111122223333:role/a*?b")).toEqual({
      wildcard: "arn:aws:iam::111122223333:role/a*b",
    });
  });
});

describe("compileEventRules", () => {
  it("compiles a profile into a rule matching only its roles' sessions, its users and its keys", () => {
    const [rule] = rulesOf({
      profiles: [
        {
          id: "ci-deployer",
          match: {
            roles: ["arn:aws:iam::111122223333:role/ci-deployer"],
            users: ["arn:aws:iam::111122223333:user/svc-*"],
            accessKeys: ["AKIAIOSFODNN7EXAMPLE"],
          },
        },
      ],
    });
    expect(rule).toEqual({
      id: "Identity-ci-deployer",
      description: expect.stringContaining('"ci-deployer"'),
      readOnlyEvents: true,
      pattern: {
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: {
          $or: [
            {
              userIdentity: {
                sessionContext: { sessionIssuer: { arn: ["arn:aws:iam::111122223333:role/ci-deployer"] } },
              },
            },
            { userIdentity: { arn: [{ prefix: "arn:aws:iam::111122223333:user/svc-" }] } },
            { userIdentity: { accessKeyId: ["AKIAIOSFODNN7EXAMPLE"] } },
          ],
        },
      },
    });
  });

  it("leaves out $or when a profile matches one way only", () => {
    const [rule] = rulesOf({ profiles: [{ id: "batch", match: { accessKeys: ["AKIAIOSFODNN7EXAMPLE"] } }] });
    expect(rule?.pattern.detail).toEqual({ userIdentity: { accessKeyId: ["AKIAIOSFODNN7EXAMPLE"] } });
  });

  it("adds the always-on rules after one rule per profile, in a stable order", () => {
    const ids = rulesOf({
      profiles: [
        { id: "a", match: { roles: ["arn:aws:iam::111122223333:role/a"] } },
        { id: "b", match: { roles: ["arn:aws:iam::111122223333:role/b"] } },
      ],
    }).map((r) => r.id);
    expect(ids).toEqual([
      "Identity-a",
      "Identity-b",
      "SecretReads",
      "LoggingTampering",
      "IamChanges",
      "RootUse",
      "ConsoleSignIn",
      "Sharing",
      "NetworkExposure",
      "RemoteExecution",
      "ComputeLaunch",
      "NewAccess",
      "CredentialReads",
      "ModelUse",
      "DataDestruction",
      "DeniedCalls",
      "AccountRecon",
      "AccountRecon-2",
    ]);
  });

  it("without profiles compiles only the always-on rules: no rule matches an undeclared identity's ordinary calls", () => {
    const rules = rulesOf({});
    expect(rules.map((r) => r.id)).toEqual([
      "SecretReads",
      "LoggingTampering",
      "IamChanges",
      "RootUse",
      "ConsoleSignIn",
      "Sharing",
      "NetworkExposure",
      "RemoteExecution",
      "ComputeLaunch",
      "NewAccess",
      "CredentialReads",
      "ModelUse",
      "DataDestruction",
      "DeniedCalls",
      "AccountRecon",
      "AccountRecon-2",
    ]);
    expect(JSON.stringify(rules)).not.toContain("sessionIssuer");
  });

  it("asks for read-only events only on the narrow rules (identities, reads of secrets and credentials, recon, root)", () => {
    const state = Object.fromEntries(
      rulesOf({ profiles: [{ id: "a", match: { roles: ["arn:aws:iam::111122223333:role/a"] } }] }).map(
        (r) => [r.id, r.readOnlyEvents],
      ),
    );
    expect(state).toEqual({
      "Identity-a": true,
      SecretReads: true,
      LoggingTampering: false,
      IamChanges: false,
      RootUse: true,
      ConsoleSignIn: false,
      Sharing: false,
      NetworkExposure: false,
      RemoteExecution: false,
      ComputeLaunch: false,
      NewAccess: true,
      CredentialReads: true,
      ModelUse: true,
      DataDestruction: true,
      DeniedCalls: true,
      AccountRecon: true,
      "AccountRecon-2": true,
    });
  });

  it("matches secret reads by their two API names only", () => {
    const rule = rulesOf({}).find((r) => r.id === "SecretReads");
    expect(rule?.pattern).toEqual({
      source: ["aws.secretsmanager"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: {
        eventSource: ["secretsmanager.amazonaws.com"],
        eventName: ["GetSecretValue", "BatchGetSecretValue"],
      },
    });
  });

  it("matches tampering calls per event source, so a name never matches under another service", () => {
    const rule = rulesOf({}).find((r) => r.id === "LoggingTampering");
    const alternatives = (
      rule!.pattern.detail as { $or: Array<{ eventSource: string[]; eventName: string[] }> }
    ).$or;
    expect(alternatives).toContainEqual({
      eventSource: ["cloudtrail.amazonaws.com"],
      eventName: expect.arrayContaining(["StopLogging", "DeleteTrail"]),
    });
    expect(alternatives.find((a) => a.eventSource[0] === "ec2.amazonaws.com")?.eventName).toEqual([
      "DeleteFlowLogs",
    ]);
  });

  it("matches every IAM write and Lambda's versioned pass-role event names by prefix", () => {
    const detail = rulesOf({}).find((r) => r.id === "IamChanges")?.pattern.detail as { $or: unknown[] };
    expect(detail.$or).toContainEqual({ eventSource: ["iam.amazonaws.com"] });
    expect(detail.$or).toContainEqual({
      eventSource: ["lambda.amazonaws.com"],
      eventName: [{ prefix: "CreateFunction" }, { prefix: "UpdateFunctionConfiguration" }],
    });
  });

  it("matches root calls and console sign-ins once each (a root sign-in only through ConsoleSignIn)", () => {
    const rules = rulesOf({});
    expect(rules.find((r) => r.id === "RootUse")?.pattern).toEqual({
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { userIdentity: { type: ["Root"] } },
    });
    expect(rules.find((r) => r.id === "ConsoleSignIn")?.pattern).toEqual({
      "detail-type": ["AWS Console Signin via CloudTrail"],
    });
  });

  it("keeps every always-on pattern within EventBridge's size limit", () => {
    for (const rule of rulesOf({}))
      expect(JSON.stringify(rule.pattern).length).toBeLessThanOrEqual(MAX_PATTERN_CHARS);
  });

  it("refuses a profile whose pattern is over the limit, naming the profile and the fix", () => {
    const roles = Array.from({ length: 60 }, (_, i) => `arn:aws:iam::111122223333:role/service-number-${i}`);
    expect(() => rulesOf({ profiles: [{ id: "too-many", match: { roles } }] })).toThrow(EventPatternError);
    expect(() => rulesOf({ profiles: [{ id: "too-many", match: { roles } }] })).toThrow(
      /profile "too-many": the EventBridge pattern of rule "Identity-too-many" is \d+ characters, over EventBridge's limit of 2048; split the profile/,
    );
  });
});

describe("TAMPERING_APIS", () => {
  /** Requests that satisfy the detection's conditions for the calls that only count with them. */
  const conditions: Record<string, Record<string, unknown>> = {
    UpdateDetector: { detectorId: "d-1", enable: false },
    CreateFilter: { detectorId: "d-1", name: "quiet", action: "ARCHIVE" },
    PutBucketLogging: { bucketName: "logs", BucketLoggingStatus: "" },
    UpdateTrail: { name: "org-trail", isMultiRegionTrail: false },
    PutEventSelectors: { trailName: "org-trail", eventSelectors: [{ includeManagementEvents: false }] },
    PutInsightSelectors: { trailName: "org-trail", insightSelectors: [] },
    PutBucketLifecycle: {
      bucketName: "org-cloudtrail-logs",
      LifecycleConfiguration: { Rule: { Status: "Enabled", Expiration: { Days: 1 } } },
    },
  };

  it("lists only calls the logging-tampering detection fires on", () => {
    for (const [eventSource, names] of Object.entries(TAMPERING_APIS)) {
      for (const eventName of names) {
        const use = useOf(
          userKeyRecord({
            eventSource,
            eventName,
            requestParameters: conditions[eventName] ?? { name: "x" },
          }),
        );
        expect(loggingTampering.evaluate(use, contextFor(use)), `${eventSource} ${eventName}`).toBeDefined();
      }
    }
  });
});
