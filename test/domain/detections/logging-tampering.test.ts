import { describe, expect, it } from "vitest";
import { MemoryBaselines } from "../../../shared/domain/baseline/memory-baselines.ts";
import { loggingTampering } from "../../../shared/domain/detections/logging-tampering.ts";
import fixtures from "../../fixtures/records/logging-tampering.json" with { type: "json" };
import { contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf } from "../../support/records.ts";

const CI_ROLE = `arn:aws:iam::${ACCOUNT}:role/ci-deployer`;

/** A management call made by a session of the ci-deployer role. */
function call(
  eventSource: string,
  eventName: string,
  requestParameters: RawRecord | null,
  extra: RawRecord = {},
) {
  return roleSessionRecord(
    {
      eventSource,
      eventName,
      requestParameters,
      readOnly: false,
      managementEvent: true,
      eventCategory: "Management",
      vpcEndpointId: undefined,
      ...extra,
    },
    { role: "ci-deployer" },
  );
}

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return loggingTampering.evaluate(use, contextFor(use));
}

describe("loggingTampering", () => {
  it("declares its id and weight", () => {
    expect(loggingTampering.id).toBe("logging-tampering");
    expect(loggingTampering.weight).toBe(40);
  });

  it("fires when CloudTrail logging is stopped, naming the caller and the trail", () => {
    const signal = evaluate(fixtures.stopLoggingByRoleSession);
    expect(signal?.id).toBe("logging-tampering");
    expect(signal?.reason).toBe(
      `session of "arn:aws:iam::${ACCOUNT}:role/web-server" called cloudtrail:StopLogging (stops CloudTrail logging: trail "arn:aws:cloudtrail:eu-central-1:${ACCOUNT}:trail/org-trail")`,
    );
  });

  it("words a denied attempt as an attempt and names the detector", () => {
    const signal = evaluate(fixtures.deleteDetectorDeniedForKey);
    expect(signal?.reason).toBe(
      `access key AKIAEXAMPLE000000001 of "arn:aws:iam::${ACCOUNT}:user/svc-ci" attempted guardduty:DeleteDetector (deletes the GuardDuty detector: detector "12abc34d567e8fa901bc2d34eexample"), denied with AccessDenied`,
    );
  });

  it("says an attempt failed, not denied, when the error is not an authorization failure", () => {
    const missing = call(
      "cloudtrail.amazonaws.com",
      "StopLogging",
      { name: "old-trail" },
      { errorCode: "TrailNotFoundException" },
    );
    expect(evaluate(missing)?.reason).toBe(
      `session of "${CI_ROLE}" attempted cloudtrail:StopLogging (stops CloudTrail logging: trail "old-trail"), failed with TrailNotFoundException`,
    );
  });

  it("fires for the root user too", () => {
    const root = {
      type: "Root",
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
    };
    const signal = evaluate(
      call("cloudtrail.amazonaws.com", "DeleteTrail", { name: "org-trail" }, { userIdentity: root }),
    );
    expect(signal?.reason).toBe(
      `root "arn:aws:iam::${ACCOUNT}:root" called cloudtrail:DeleteTrail (deletes a trail: trail "org-trail")`,
    );
  });

  it("names the trail of event selector changes that stop recording management events", () => {
    const signal = evaluate(
      call("cloudtrail.amazonaws.com", "PutEventSelectors", { trailName: "org-trail", eventSelectors: [] }),
    );
    expect(signal?.reason).toContain('(stops recording management events: trail "org-trail")');
  });

  it("stays quiet for calls that start or only read monitoring", () => {
    expect(evaluate(call("cloudtrail.amazonaws.com", "StartLogging", { name: "org-trail" }))).toBeUndefined();
    expect(evaluate(call("cloudtrail.amazonaws.com", "CreateTrail", { name: "org-trail" }))).toBeUndefined();
    expect(evaluate(call("guardduty.amazonaws.com", "GetDetector", { detectorId: "d1" }))).toBeUndefined();
  });

  it("stays quiet for a same-named call of another service", () => {
    expect(
      evaluate(call("wafv2.amazonaws.com", "UpdateIPSet", { Name: "blocked", Id: "x" })),
    ).toBeUndefined();
    expect(evaluate(call("ec2.amazonaws.com", "DeleteTrail", null))).toBeUndefined();
  });

  describe("GuardDuty", () => {
    it("fires when a detector is disabled, not when it is re-enabled or tuned", () => {
      expect(
        evaluate(call("guardduty.amazonaws.com", "UpdateDetector", { detectorId: "d1", enable: false }))
          ?.reason,
      ).toContain('(disables the GuardDuty detector: detector "d1")');
      expect(
        evaluate(call("guardduty.amazonaws.com", "UpdateDetector", { detectorId: "d1", enable: true })),
      ).toBeUndefined();
      const frequency = { detectorId: "d1", findingPublishingFrequency: "SIX_HOURS" };
      expect(evaluate(call("guardduty.amazonaws.com", "UpdateDetector", frequency))).toBeUndefined();
    });

    it("fires for a filter that archives findings, not for one that only tags them", () => {
      const archive = {
        detectorId: "d1",
        name: "quiet-please",
        action: "ARCHIVE",
        findingCriteria: { criterion: {} },
      };
      expect(evaluate(call("guardduty.amazonaws.com", "CreateFilter", archive))?.reason).toContain(
        '(auto-archives GuardDuty findings: filter "quiet-please", detector "d1")',
      );
      expect(
        evaluate(call("guardduty.amazonaws.com", "CreateFilter", { ...archive, action: "NOOP" })),
      ).toBeUndefined();
    });

    it("fires for trusted IP lists and lists at most five member accounts", () => {
      const ipSet = {
        detectorId: "d1",
        name: "office",
        format: "TXT",
        location: "s3://bucket/ips.txt",
        activate: true,
      };
      expect(evaluate(call("guardduty.amazonaws.com", "CreateIPSet", ipSet))?.reason).toContain(
        'IP set "office", detector "d1"',
      );
      const accountIds = [
        "100000000001",
        "100000000002",
        "100000000003",
        "100000000004",
        "100000000005",
        "100000000006",
        "100000000007",
      ];
      const signal = evaluate(
        call("guardduty.amazonaws.com", "DeleteMembers", { detectorId: "d1", accountIds }),
      );
      expect(signal?.reason).toContain(
        'accounts "100000000001", "100000000002", "100000000003", "100000000004", "100000000005" and 2 more',
      );
    });
  });

  it("fires for Config, flow logs, Security Hub, Access Analyzer and log groups", () => {
    expect(
      evaluate(
        call("config.amazonaws.com", "StopConfigurationRecorder", { configurationRecorderName: "default" }),
      )?.reason,
    ).toContain('config:StopConfigurationRecorder (stops the Config recorder: recorder "default")');
    expect(
      evaluate(
        call("ec2.amazonaws.com", "DeleteFlowLogs", {
          DeleteFlowLogsRequest: { FlowLogId: { content: "fl-0123abcd", tag: 1 } },
        }),
      )?.reason,
    ).toContain('(deletes VPC flow logs: flow logs "fl-0123abcd")');
    const twoFlowLogs = {
      DeleteFlowLogsRequest: {
        FlowLogId: [
          { content: "fl-1", tag: 1 },
          { content: "fl-2", tag: 2 },
        ],
      },
    };
    expect(evaluate(call("ec2.amazonaws.com", "DeleteFlowLogs", twoFlowLogs))?.reason).toContain(
      'flow logs "fl-1", "fl-2"',
    );
    expect(evaluate(call("securityhub.amazonaws.com", "DisableSecurityHub", {}))?.reason).toBe(
      `session of "${CI_ROLE}" called securityhub:DisableSecurityHub (disables Security Hub)`,
    );
    expect(
      evaluate(call("access-analyzer.amazonaws.com", "DeleteAnalyzer", { analyzerName: "org" }))?.reason,
    ).toContain('analyzer "org"');
    expect(
      evaluate(call("logs.amazonaws.com", "DeleteLogGroup", { logGroupName: "/aws/lambda/orders" }))?.reason,
    ).toContain('log group "/aws/lambda/orders"');
  });

  describe("S3 server access logging", () => {
    it("fires when PutBucketLogging carries an empty logging status", () => {
      const signal = evaluate(fixtures.putBucketLoggingOff);
      expect(signal?.reason).toBe(
        `session of "${CI_ROLE}" called s3:PutBucketLogging (turns off S3 server access logging: bucket "orders-data")`,
      );
    });

    it("stays quiet when logging is switched on or the status was not logged", () => {
      const on = {
        bucketName: "orders-data",
        BucketLoggingStatus: {
          xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
          LoggingEnabled: { TargetBucket: "access-logs", TargetPrefix: "orders/" },
        },
      };
      expect(evaluate(call("s3.amazonaws.com", "PutBucketLogging", on))).toBeUndefined();
      expect(
        evaluate(call("s3.amazonaws.com", "PutBucketLogging", { bucketName: "orders-data" })),
      ).toBeUndefined();
    });
  });
});

describe("loggingTampering: selectors, trail settings and the rest of the catalogue", () => {
  const selectors = (params: RawRecord) =>
    call("cloudtrail.amazonaws.com", "PutEventSelectors", { trailName: "org-trail", ...params });

  it("fires only for event selectors that record fewer management events, basic or advanced", () => {
    expect(
      evaluate(selectors({ eventSelectors: [{ readWriteType: "WriteOnly", includeManagementEvents: true }] }))
        ?.reason,
    ).toContain("(stops recording read-only management events");
    expect(
      evaluate(
        selectors({
          eventSelectors: [
            {
              readWriteType: "All",
              includeManagementEvents: true,
              excludeManagementEventSources: ["kms.amazonaws.com"],
            },
          ],
        }),
      )?.reason,
    ).toContain('stops recording management events of "kms.amazonaws.com"');
    const advancedData = {
      advancedEventSelectors: [
        {
          name: "S3 only",
          fieldSelectors: [
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
          ],
        },
      ],
    };
    expect(evaluate(selectors(advancedData))?.reason).toContain("(stops recording management events");
    const advancedWriteOnly = {
      advancedEventSelectors: [
        {
          fieldSelectors: [
            { field: "eventCategory", equals: ["Management"] },
            { field: "readOnly", equals: ["false"] },
          ],
        },
      ],
    };
    expect(evaluate(selectors(advancedWriteOnly))?.reason).toContain(
      'records only management events with readOnly "false"',
    );
  });

  it("stays quiet for selectors that record all management events, data events added or not", () => {
    expect(
      evaluate(
        selectors({
          eventSelectors: [
            {
              readWriteType: "All",
              includeManagementEvents: true,
              dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }],
            },
          ],
        }),
      ),
    ).toBeUndefined();
    expect(
      evaluate(
        selectors({
          advancedEventSelectors: [
            { fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
            { fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }] },
          ],
        }),
      ),
    ).toBeUndefined();
  });

  it("fires for trail settings that weaken it, not for those that strengthen it", () => {
    const update = (params: RawRecord) =>
      call("cloudtrail.amazonaws.com", "UpdateTrail", { name: "org-trail", ...params });
    expect(evaluate(update({ isMultiRegionTrail: false, enableLogFileValidation: false }))?.reason).toContain(
      "(stops recording other regions, turns log file validation off: trail",
    );
    expect(evaluate(update({ s3BucketName: "attacker-logs" }))?.reason).toContain(
      'delivers log files to bucket "attacker-logs"',
    );
    expect(evaluate(update({ enableLogFileValidation: true, isMultiRegionTrail: true }))).toBeUndefined();
    expect(
      evaluate(
        call("cloudtrail.amazonaws.com", "PutInsightSelectors", {
          trailName: "t",
          insightSelectors: [{ insightType: "ApiCallRateInsight" }],
        }),
      ),
    ).toBeUndefined();
    expect(
      evaluate(
        call("cloudtrail.amazonaws.com", "PutInsightSelectors", { trailName: "t", insightSelectors: [] }),
      )?.reason,
    ).toContain("turns a trail's Insights off");
  });

  it("counts a refused selector or trail change logged without its request as an attempt", () => {
    const refused = call("cloudtrail.amazonaws.com", "UpdateTrail", null, { errorCode: "AccessDenied" });
    expect(evaluate(refused)?.reason).toContain(
      "attempted cloudtrail:UpdateTrail (changes a trail's settings (not logged))",
    );
  });

  it("fires for DNS query logging removed and for leaving the organization, attempts too", () => {
    expect(
      evaluate(
        call("route53resolver.amazonaws.com", "DisassociateResolverQueryLogConfig", {
          resolverQueryLogConfigId: "rqlc-1",
          resourceId: "vpc-1",
        }),
      )?.reason,
    ).toContain('stops DNS query logging for a VPC: configuration "rqlc-1", VPC "vpc-1"');
    expect(
      evaluate(
        call("organizations.amazonaws.com", "LeaveOrganization", null, {
          errorCode: "AccessDeniedException",
        }),
      )?.reason,
    ).toContain("attempted organizations:LeaveOrganization (takes the account out of its organization");
  });

  it("fires for a short expiration on a trail bucket, known by name or from the trail it serves", () => {
    const lifecycle = (bucket: string, days: number) =>
      call("s3.amazonaws.com", "PutBucketLifecycle", {
        bucketName: bucket,
        LifecycleConfiguration: {
          Rule: [{ ID: "r", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: days } }],
        },
      });
    expect(evaluate(lifecycle("acme-cloudtrail-logs", 1))?.reason).toContain(
      "expires the objects of a trail bucket after 1 day(s)",
    );
    expect(evaluate(lifecycle("acme-cloudtrail-logs", 365))).toBeUndefined();
    expect(evaluate(lifecycle("build-cache", 1))).toBeUndefined();

    const baselines = new MemoryBaselines();
    const created = useOf(
      call("cloudtrail.amazonaws.com", "CreateTrail", { name: "org", s3BucketName: "acme-logs-7f3a" }),
    );
    loggingTampering.learn?.(created, contextFor(created, { baselines }));
    const expire = useOf(lifecycle("acme-logs-7f3a", 3));
    expect(loggingTampering.evaluate(expire, contextFor(expire, { baselines }))).toBeDefined();
  });

  it("lets a stack's deletion remove its log groups, but never stop a trail", () => {
    const byStack = { sourceIPAddress: "cloudformation.amazonaws.com" };
    expect(
      evaluate(call("logs.amazonaws.com", "DeleteLogGroup", { logGroupName: "/aws/lambda/orders" }, byStack)),
    ).toBeUndefined();
    expect(
      evaluate(call("cloudtrail.amazonaws.com", "StopLogging", { name: "org-trail" }, byStack)),
    ).toBeDefined();
  });
});
