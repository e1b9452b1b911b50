import { describe, expect, it } from "vitest";
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
