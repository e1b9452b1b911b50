import { describe, expect, it } from "vitest";
import { compileEventRules } from "../../infra/event-patterns.ts";
import { configSchema } from "../../shared/domain/config/schema.ts";
import { replayScenario } from "../coverage/replay-scenario.ts";
import { ACCOUNT, STRATUS_SCENARIOS } from "../coverage/stratus-scenarios.ts";
import type { RawRecord } from "../support/records.ts";
import { eventPatternMatches } from "./support/event-pattern-matcher.ts";

/**
 * The deployed rules must deliver what the detections judge: every record of the Stratus scenarios
 * that raised a signal matches at least one rule the CDK construct deploys (no profiles declared),
 * judged by moto's implementation of EventBridge pattern matching, not by our idea of it. And
 * a workload's ordinary calls match none, so they cost nothing.
 */

/** A CloudTrail record as EventBridge delivers it on the default bus. */
function asEvent(record: RawRecord): string {
  const source = String(record.eventSource).replace(/\.amazonaws\.com$/, "");
  const signIn = record.eventName === "ConsoleLogin";
  return JSON.stringify({
    version: "0",
    id: `ev-${String(record.eventID)}`,
    "detail-type": signIn ? "AWS Console Signin via CloudTrail" : "AWS API Call via CloudTrail",
    source: `aws.${source}`,
    account: ACCOUNT,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  });
}

describe("EventBridge rules of the deployment (moto's pattern matching)", () => {
  const rules = compileEventRules(configSchema.parse({}));
  /** The ids of the rules each record matches. */
  const matchingRules = (records: readonly RawRecord[]): string[][] => {
    const pairs = records.flatMap((record) =>
      rules.map((rule) => [rule.pattern, JSON.parse(asEvent(record))] as const),
    );
    const matches = eventPatternMatches(pairs);
    return records.map((_, i) =>
      rules.filter((_, r) => matches[i * rules.length + r]).map((rule) => rule.id),
    );
  };

  it("delivers every record of a Stratus technique that raised a signal, but an undeclared instance role's ordinary calls", async () => {
    const fired: Array<[string, RawRecord]> = [];
    for (const [technique, build] of Object.entries(STRATUS_SCENARIOS)) {
      const records = build();
      const result = await replayScenario(records);
      const ids = new Set(result.findings.map((f) => f.eventId));
      for (const record of records) if (ids.has(String(record.eventID))) fired.push([technique, record]);
    }
    expect(fired.length).toBeGreaterThan(43);
    const matched = matchingRules(fired.map(([, record]) => record));
    const undelivered = fired
      .filter((_, i) => matched[i]?.length === 0)
      .map(([technique, record]) => `${technique} ${String(record.eventName)}`);
    // Every call of every instance role would be too many events: a stolen instance session's ordinary
    // calls reach vigil through the trail files (the ingest function reads them all, minutes later),
    // or within seconds once the role is declared in a profile.
    expect(undelivered).toEqual(["aws.credential-access.ec2-steal-instance-credentials DescribeInstances"]);
  });

  it("delivers none of a workload's ordinary calls", () => {
    const [template] = STRATUS_SCENARIOS["aws.defense-evasion.cloudtrail-stop"]();
    const ordinary: Array<[string, string, RawRecord]> = [
      ["dynamodb.amazonaws.com", "GetItem", { tableName: "orders" }],
      ["s3.amazonaws.com", "GetObject", { bucketName: "orders", key: "a.json" }],
      ["s3.amazonaws.com", "PutObject", { bucketName: "orders", key: "a.json" }],
      ["sqs.amazonaws.com", "SendMessage", { queueUrl: "https://sqs/q" }],
      ["ssm.amazonaws.com", "GetParameter", { name: "/orders/flag", withDecryption: false }],
      ["ec2.amazonaws.com", "DescribeInstanceAttribute", { instanceId: "i-1", attribute: "instanceType" }],
      ["lambda.amazonaws.com", "Invoke", { functionName: "orders" }],
    ];
    const records = ordinary.map(([eventSource, eventName, requestParameters]) => ({
      ...template,
      eventSource,
      eventName,
      requestParameters,
      eventID: `ordinary-${eventName}`,
    }));
    const matched = matchingRules(records);
    const byCall = (values: (i: number) => string[]) =>
      Object.fromEntries(records.map((r, i) => [`${r.eventSource} ${r.eventName}`, values(i)]));
    expect(byCall((i) => matched[i] ?? [])).toEqual(byCall(() => []));
  });

  it("agrees with EventBridge on a known match and a known miss (the matcher itself works)", () => {
    const pattern = {
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { errorCode: [{ prefix: "AccessDenied" }] },
    };
    const event = (errorCode: string) => ({
      "detail-type": "AWS API Call via CloudTrail",
      detail: { errorCode },
    });
    expect(
      eventPatternMatches([
        [pattern, event("AccessDeniedException")],
        [pattern, event("Throttling")],
      ]),
    ).toEqual([true, false]);
  });
});
