import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { IntakeCounts } from "../../functions/common/record-intake.ts";

/** The summary line the evaluate and ingest functions log once per batch (evaluate-handler.ts, ingest-handler.ts). */
export const BATCH_DONE_MESSAGE = "batch done";
/** The line they log per stored finding (record-intake.ts), with the finding under `finding`. */
export const FINDING_MESSAGE = "finding";
/** The line the execute function logs per playbook run (execute-handler.ts). */
export const PLAYBOOK_RUN_MESSAGE = "playbook run";

/** The custom metrics taken from the batch summary lines: metric name → field of the `batch done` line. */
export const BATCH_METRICS = {
  Findings: "finding",
  DuplicateEvents: "duplicate",
  RejectedRecords: "rejected",
} as const satisfies Record<string, keyof IntakeCounts>;

const PERIOD = Duration.minutes(5);

/** What the dashboard shows. */
export interface DashboardSources {
  /** The queue EventBridge delivers to: its sends are the events received. */
  readonly eventsQueue: sqs.IQueue;
  /** Queues whose oldest message's age is shown, by label. */
  readonly workQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Dead-letter queues whose depth is shown, by label. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Shown in detail: invocations, errors, p95 duration, throttles. */
  readonly evaluate: lambda.IFunction;
  /** The other functions, by label: their errors are shown. */
  readonly otherFunctions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Log groups of the functions that log `batch done` and `finding` lines, by the construct id of
   * their function (the metric filters' ids derive from it: keep it stable).
   */
  readonly findingLogGroups: Readonly<Record<string, logs.ILogGroup>>;
  /** Log group of the function that logs `playbook run` lines. */
  readonly playbookLogGroup: logs.ILogGroup;
}

/**
 * The CloudWatch dashboard of one Vigil (construct id `Dashboard`, holding the dashboard and the
 * metric filters it reads): events received and the age of the oldest message; the evaluate
 * function's invocations, errors, p95 duration and throttles; the depth of every dead-letter queue;
 * the other functions' errors; findings, duplicate events and rejected records counted from the
 * `batch done` lines by metric filters (namespace {@link metricsNamespace}); and two Logs Insights
 * tables: findings by severity and decision, playbook runs by status.
 */
export class VigilDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** The custom metrics from the batch summary lines, by metric name (sum over all finding log groups). */
  readonly batchMetrics: Readonly<Record<keyof typeof BATCH_METRICS, cloudwatch.Metric>>;

  constructor(scope: Construct, id: string, sources: DashboardSources) {
    super(scope, id);
    const namespace = metricsNamespace(scope);
    for (const [fnId, logGroup] of Object.entries(sources.findingLogGroups)) {
      for (const [metricName, field] of Object.entries(BATCH_METRICS)) {
        new logs.MetricFilter(this, `${fnId}${metricName}Filter`, {
          logGroup,
          filterPattern: logs.FilterPattern.stringValue("$.message", "=", BATCH_DONE_MESSAGE),
          metricNamespace: namespace,
          metricName,
          metricValue: `$.${field}`,
        });
      }
    }
    const custom = (metricName: keyof typeof BATCH_METRICS) =>
      new cloudwatch.Metric({ namespace, metricName, statistic: "Sum", period: PERIOD });
    this.batchMetrics = {
      Findings: custom("Findings"),
      DuplicateEvents: custom("DuplicateEvents"),
      RejectedRecords: custom("RejectedRecords"),
    };

    const sum = { statistic: "Sum", period: PERIOD } as const;
    const max = { statistic: "Maximum", period: PERIOD } as const;
    const labelled = <T>(
      entries: Readonly<Record<string, T>>,
      metric: (item: T, label: string) => cloudwatch.IMetric,
    ) => Object.entries(entries).map(([label, item]) => metric(item, label));
    const evaluate = sources.evaluate;

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          graph("Events received by the events queue", 8, [
            sources.eventsQueue.metricNumberOfMessagesSent({ ...sum, label: "events received" }),
          ]),
          graph(
            "Age of the oldest message (s)",
            8,
            labelled(sources.workQueues, (queue, label) =>
              queue.metricApproximateAgeOfOldestMessage({ ...max, label }),
            ),
          ),
          graph(
            "Dead-letter queue depth",
            8,
            labelled(sources.deadLetterQueues, (queue, label) =>
              queue.metricApproximateNumberOfMessagesVisible({ ...max, label }),
            ),
          ),
        ],
        [
          graph("Evaluate: invocations and errors", 6, [
            evaluate.metricInvocations({ ...sum, label: "invocations" }),
            evaluate.metricErrors({ ...sum, label: "errors" }),
          ]),
          graph("Evaluate: duration p95 (ms)", 6, [
            evaluate.metricDuration({ statistic: "p95", period: PERIOD, label: "p95" }),
          ]),
          graph("Evaluate: throttles", 6, [evaluate.metricThrottles({ ...sum, label: "throttles" })]),
          graph(
            "Errors of the other functions",
            6,
            labelled(sources.otherFunctions, (fn, label) => fn.metricErrors({ ...sum, label })),
          ),
        ],
        [
          graph("Findings, duplicate events, rejected records", 8, [
            this.batchMetrics.Findings.with({ label: "findings" }),
            this.batchMetrics.DuplicateEvents.with({ label: "duplicate events" }),
            this.batchMetrics.RejectedRecords.with({ label: "rejected records" }),
          ]),
          new cloudwatch.LogQueryWidget({
            title: "Findings by severity and decision",
            width: 16,
            height: 6,
            logGroupNames: Object.values(sources.findingLogGroups).map((group) => group.logGroupName),
            view: cloudwatch.LogQueryVisualizationType.TABLE,
            queryLines: [
              `filter message = "${FINDING_MESSAGE}"`,
              "stats count(*) as findings by finding.severity as severity, finding.decision as decision, finding.playbook.id as playbook",
              "sort findings desc",
            ],
          }),
        ],
        [
          new cloudwatch.LogQueryWidget({
            title: "Playbook runs by status",
            width: 24,
            height: 6,
            logGroupNames: [sources.playbookLogGroup.logGroupName],
            view: cloudwatch.LogQueryVisualizationType.TABLE,
            queryLines: [
              `filter message = "${PLAYBOOK_RUN_MESSAGE}"`,
              "stats count(*) as runs by status",
              "sort runs desc",
            ],
          }),
        ],
      ],
    });
  }
}

/**
 * The CloudWatch namespace of the custom metrics of the Vigil at `scope`: `vigil/` and its construct
 * path (characters CloudWatch refuses become `-`), so two Vigils in one account never mix.
 */
export function metricsNamespace(scope: Construct): string {
  return `vigil/${scope.node.path.replace(/[^A-Za-z0-9._/#: -]/g, "-")}`.slice(0, 255);
}

function graph(title: string, width: number, metrics: cloudwatch.IMetric[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, width, height: 6, left: metrics });
}
