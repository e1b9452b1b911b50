import { App, Stack } from "aws-cdk-lib";
import { Construct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { createEvaluateHandler } from "../../functions/evaluate/evaluate-handler.ts";
import {
  BATCH_DONE_MESSAGE,
  BATCH_METRICS,
  FINDING_MESSAGE,
  metricsNamespace,
} from "../../infra/parts/dashboard.ts";
import { sampleConfig } from "../../infra/sample-config.ts";
import { VigilStack } from "../../infra/vigil-stack.ts";
import { eventBridgeEvent, sqsBatch, sqsMessage, testIntake } from "../functions/support.ts";
import {
  logicalIdOf,
  type Resources,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
  synthStack,
} from "./support/synth.ts";

interface Widget {
  type: "metric" | "log";
  width: number;
  properties: { title: string; metrics?: unknown[][]; query?: string; view?: string };
}

/**
 * The dashboard's body with every CloudFormation reference replaced by a readable placeholder:
 * `{Ref: X}` → `<X>`, `{Fn::GetAtt: [X, A]}` → `<X.A>`.
 */
function dashboardOf(resources: Resources): { widgets: Widget[] } {
  const id = logicalIdOf(resources, "AWS::CloudWatch::Dashboard", "VigilDashboard");
  const body = resources[id]!.Properties.DashboardBody as { "Fn::Join": [string, unknown[]] };
  const text = body["Fn::Join"][1]
    .map((part) => {
      if (typeof part === "string") return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref !== undefined) return `<${ref}>`;
      const [logical, attribute] = (part as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"];
      return `<${logical}.${attribute}>`;
    })
    .join("");
  return JSON.parse(text) as { widgets: Widget[] };
}

/** The metrics of the widget titled `title`, as `namespace metric dimension-value stat` strings. */
function metricsOf(widgets: Widget[], title: string): string[] {
  const widget = widgets.find((w) => w.properties.title === title);
  if (widget === undefined) throw new Error(`no widget titled ${title}`);
  return (widget.properties.metrics ?? []).map((metric) => {
    const options = metric.at(-1) as { stat?: string };
    return [...metric.slice(0, -1), options.stat].join(" ");
  });
}

describe("Vigil dashboard", () => {
  let s: Synthesized;
  let widgets: Widget[];
  const id = (type: string, prefix: string) => logicalIdOf(s.resources, type, prefix);

  beforeAll(() => {
    s = synthStack(
      "VigilStack",
      (app) => new VigilStack(app, "VigilStack", { vigil: { ...sampleConfig(), mode: "observe" } }),
    );
    widgets = dashboardOf(s.resources).widgets;
  }, SYNTH_TIMEOUT_MS);

  it("creates one dashboard per Vigil", () => {
    s.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("shows the events received by the events queue and the age of the oldest message of both queues", () => {
    const queue = id("AWS::SQS::Queue", "VigilEventsQueue");
    const trailQueue = id("AWS::SQS::Queue", "VigilTrailFilesQueue");
    const actionsQueue = id("AWS::SQS::Queue", "VigilActionsQueue");
    expect(metricsOf(widgets, "Events received by the events queue")).toEqual([
      `AWS/SQS NumberOfMessagesSent QueueName <${queue}.QueueName> Sum`,
    ]);
    expect(metricsOf(widgets, "Age of the oldest message (s)")).toEqual([
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName <${queue}.QueueName> Maximum`,
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName <${trailQueue}.QueueName> Maximum`,
      `AWS/SQS ApproximateAgeOfOldestMessage QueueName <${actionsQueue}.QueueName> Maximum`,
    ]);
  });

  it("shows the evaluate function's invocations, errors, p95 duration and throttles", () => {
    const evaluate = id("AWS::Lambda::Function", "VigilEvaluate");
    expect(metricsOf(widgets, "Evaluate: invocations and errors")).toEqual([
      `AWS/Lambda Invocations FunctionName <${evaluate}> Sum`,
      `AWS/Lambda Errors FunctionName <${evaluate}> Sum`,
    ]);
    expect(metricsOf(widgets, "Evaluate: duration p95 (ms)")).toEqual([
      `AWS/Lambda Duration FunctionName <${evaluate}> p95`,
    ]);
    expect(metricsOf(widgets, "Evaluate: throttles")).toEqual([
      `AWS/Lambda Throttles FunctionName <${evaluate}> Sum`,
    ]);
  });

  it("shows the depth of every dead-letter queue and the errors of the other functions", () => {
    expect(metricsOf(widgets, "Dead-letter queue depth")).toEqual(
      [
        "VigilEventsDeadLetterQueue",
        "VigilTrailFilesDeadLetterQueue",
        "VigilActionsDeadLetterQueue",
        "VigilSchedulesDeadLetterQueue",
      ].map(
        (dlq) =>
          `AWS/SQS ApproximateNumberOfMessagesVisible QueueName <${id("AWS::SQS::Queue", dlq)}.QueueName> Maximum`,
      ),
    );
    expect(metricsOf(widgets, "Errors of the other functions")).toEqual(
      ["VigilIngest", "VigilExecute", "VigilApprovals", "VigilExpiry", "VigilExport"].map(
        (fn) => `AWS/Lambda Errors FunctionName <${id("AWS::Lambda::Function", fn)}> Sum`,
      ),
    );
  });

  it("counts findings, duplicates and rejected records from the batch summary lines of evaluate and ingest", () => {
    s.template.resourceCountIs("AWS::Logs::MetricFilter", 2 * Object.keys(BATCH_METRICS).length);
    for (const logs of ["VigilEvaluateLogs", "VigilIngestLogs"]) {
      for (const [metricName, field] of Object.entries(BATCH_METRICS)) {
        s.template.hasResourceProperties("AWS::Logs::MetricFilter", {
          LogGroupName: { Ref: id("AWS::Logs::LogGroup", logs) },
          FilterPattern: `{ $.message = "${BATCH_DONE_MESSAGE}" }`,
          MetricTransformations: [
            { MetricNamespace: "vigil/VigilStack/Vigil", MetricName: metricName, MetricValue: `$.${field}` },
          ],
        });
      }
    }
    expect(metricsOf(widgets, "Findings, duplicate events, rejected records")).toEqual(
      Object.keys(BATCH_METRICS).map((name) => `vigil/VigilStack/Vigil ${name} Sum`),
    );
  });

  it("tabulates findings by severity and decision over the evaluate and ingest logs with Logs Insights", () => {
    const widget = widgets.find((w) => w.properties.title === "Findings by severity and decision");
    expect(widget?.type).toBe("log");
    const query = widget?.properties.query ?? "";
    expect(query).toMatch(
      new RegExp(
        `^SOURCE '<${id("AWS::Logs::LogGroup", "VigilEvaluateLogs")}>' \\| SOURCE '<${id("AWS::Logs::LogGroup", "VigilIngestLogs")}>' \\|`,
      ),
    );
    expect(query).toContain(`filter message = "${FINDING_MESSAGE}"`);
    expect(query).toContain("by finding.severity as severity, finding.decision as decision");
  });

  it("tabulates playbook runs by status over the execute logs", () => {
    const widget = widgets.find((w) => w.properties.title === "Playbook runs by status");
    expect(widget?.properties.query).toMatch(
      new RegExp(
        `^SOURCE '<${id("AWS::Logs::LogGroup", "VigilExecuteLogs")}>' \\| filter message = "playbook run"\\n\\| stats count\\(\\*\\) as runs by status`,
      ),
    );
  });
});

describe("the lines the dashboard reads", () => {
  it("are the lines the evaluate handler writes: a batch summary with the counted fields, a finding with severity and decision", async () => {
    const { intake, log, lines } = testIntake();
    await createEvaluateHandler({ intake, log })(sqsBatch(sqsMessage(eventBridgeEvent(), "m-1")));
    const done = lines.find((line) => line.message === BATCH_DONE_MESSAGE);
    for (const field of Object.values(BATCH_METRICS))
      expect(typeof done?.attributes[field], field).toBe("number");
    expect(done?.attributes[BATCH_METRICS.Findings]).toBe(1);
    const finding = lines.find((line) => line.message === FINDING_MESSAGE)?.attributes.finding;
    expect(finding).toMatchObject({ severity: expect.any(String), decision: expect.any(String) });
  });
});

describe("metricsNamespace", () => {
  it("is vigil/ and the construct path, with characters CloudWatch refuses replaced", () => {
    const stack = new Stack(new App(), "Prod");
    expect(metricsNamespace(new Construct(stack, "Vigil"))).toBe("vigil/Prod/Vigil");
    expect(metricsNamespace(new Construct(stack, "Vigil (eu)!"))).toBe("vigil/Prod/Vigil -eu--");
  });
});
