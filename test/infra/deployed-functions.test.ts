import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { ENV } from "../../functions/common/function-config.ts";
import { BUCKET_ENV } from "../../functions/export/config.ts";
import { sampleConfig } from "../../infra/sample-config.ts";
import { TABLE_ACTIONS, Vigil, VigilPropsError } from "../../infra/vigil.ts";
import {
  logicalIdOf,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
  statementsOf,
  synthStack,
  synthVigil,
} from "./support/synth.ts";

type Props = Record<string, unknown>;
const propsOf = (s: Synthesized, type: string, prefix: string) =>
  s.resources[logicalIdOf(s.resources, type, prefix)]!.Properties as Props;
const envOf = (s: Synthesized, fn: string) =>
  (propsOf(s, "AWS::Lambda::Function", fn).Environment as { Variables: Record<string, unknown> }).Variables;
const tableActionsOf = (s: Synthesized, role: string) =>
  statementsOf(s.resources, role)
    .flatMap((st) => st.Action)
    .filter((a) => a.startsWith("dynamodb:"))
    .sort();

describe("Vigil construct: the functions that act, approve, expire, export and seed", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthVigil({ ...sampleConfig(), mode: "enforce", recordRetentionDays: 365 });
  }, SYNTH_TIMEOUT_MS);

  it("queues decided playbooks on an encrypted FIFO queue with a FIFO dead-letter queue, read one at a time by execute", () => {
    const actions = propsOf(s, "AWS::SQS::Queue", "VigilActionsQueue");
    expect(actions).toMatchObject({ FifoQueue: true, VisibilityTimeout: 720 });
    expect(JSON.stringify(actions.KmsMasterKeyId)).toContain("VigilKey");
    expect(JSON.stringify(actions.RedrivePolicy)).toContain("VigilActionsDeadLetterQueue");
    expect(propsOf(s, "AWS::SQS::Queue", "VigilActionsDeadLetterQueue")).toMatchObject({ FifoQueue: true });
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: {
        "Fn::GetAtt": [logicalIdOf(s.resources, "AWS::SQS::Queue", "VigilActionsQueue"), "Arn"],
      },
      FunctionName: { Ref: logicalIdOf(s.resources, "AWS::Lambda::Function", "VigilExecute") },
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("lets the deciding functions notify, queue and sign links with exactly those actions, never act", () => {
    for (const fn of ["VigilEvaluate", "VigilIngest", "VigilExpiry", "VigilApprovals"]) {
      const env = envOf(s, fn);
      for (const name of [
        ENV.topicArn,
        ENV.actionsQueueUrl,
        APPROVALS_ENV.baseUrl,
        APPROVALS_ENV.linkSecretArn,
      ]) {
        expect(env[name], `${fn} ${name}`).toBeDefined();
      }
      const statements = statementsOf(s.resources, `${fn}Role`);
      const actions = statements.flatMap((st) => st.Action);
      expect(statements.find((st) => st.Sid === "Notify")?.Action, fn).toEqual(["sns:Publish"]);
      expect(statements.find((st) => st.Sid === "QueuePlaybooks")?.Action, fn).toEqual(["sqs:SendMessage"]);
      expect(
        actions.filter((a) => /^(iam|sts):/.test(a)),
        fn,
      ).toEqual([]);
      expect(
        actions.filter((a) => a.includes("*")),
        fn,
      ).toEqual([]);
    }
  });

  it("gives each function exactly the table actions of the adapters it wires", () => {
    expect(tableActionsOf(s, "VigilEvaluateRole")).toEqual([...TABLE_ACTIONS.intake]);
    expect(tableActionsOf(s, "VigilApprovalsRole")).toEqual([...TABLE_ACTIONS.approvals]);
    expect(tableActionsOf(s, "VigilExpiryRole")).toEqual([...TABLE_ACTIONS.expiry]);
    expect(tableActionsOf(s, "VigilExportRole")).toEqual([...TABLE_ACTIONS.export]);
    expect(tableActionsOf(s, "VigilSeedRole")).toEqual([...TABLE_ACTIONS.seed]);
  });

  it("serves approvals over an HTTP API: IAM on /api/*, the signed link alone on /links/{token}", () => {
    const routes = Object.values(s.resources)
      .filter((r) => r.Type === "AWS::ApiGatewayV2::Route")
      .map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType ?? "NONE"]);
    expect(routes.sort()).toEqual(
      [
        ["GET /", "NONE"],
        ["GET /api/approvals", "AWS_IAM"],
        ["GET /api/approvals/{id}", "AWS_IAM"],
        ["GET /links/{token}", "NONE"],
        ["GET /static/console.css", "NONE"],
        ["POST /api/approvals/{id}/approve", "AWS_IAM"],
        ["POST /api/approvals/{id}/deny", "AWS_IAM"],
        ["POST /links/{token}", "NONE"],
      ].sort(),
    );
    const stage = propsOf(s, "AWS::ApiGatewayV2::Stage", "VigilApprovalsApi");
    expect(stage).toMatchObject({
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    const format = (stage.AccessLogSettings as { Format: string }).Format;
    expect(format).toContain("$context.routeKey");
    // A link's path is its credential: the access log never keeps it.
    expect(format).not.toMatch(/\$context\.(path|resourcePath)|Referer/);
    const secret = propsOf(s, "AWS::SecretsManager::Secret", "VigilApprovalsApiLinkSecret");
    expect(JSON.stringify(secret.KmsKeyId)).toContain("VigilKey");
    expect(secret.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
  });

  it("follows up expiries every minute through EventBridge Scheduler, with a retry and a dead-letter queue", () => {
    const schedule = propsOf(s, "AWS::Scheduler::Schedule", "VigilExpirySchedule");
    expect(schedule.ScheduleExpression).toBe("rate(1 minute)");
    const target = schedule.Target as Props;
    expect(JSON.stringify(target.Arn)).toContain("VigilExpiry");
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 1 });
    expect(JSON.stringify(target.DeadLetterConfig)).toContain("VigilSchedulesDeadLetterQueue");
    expect(JSON.parse(String(target.Input))).toMatchObject({ source: "vigil.scheduler" });
  });

  it("exports the records daily, one export at a time, into a bucket under Object Lock in compliance mode", () => {
    const schedule = propsOf(s, "AWS::Scheduler::Schedule", "VigilExportSchedule");
    expect(schedule.ScheduleExpression).toBe("cron(0 2 * * ? *)");
    const fn = propsOf(s, "AWS::Lambda::Function", "VigilExport");
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    const bucketId = logicalIdOf(s.resources, "AWS::S3::Bucket", "VigilRecordsBucket");
    expect(envOf(s, "VigilExport")[BUCKET_ENV]).toEqual({ Ref: bucketId });
    expect(s.resources[bucketId]!.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 365 } },
      },
      VersioningConfiguration: { Status: "Enabled" },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(s.resources[bucketId]).toMatchObject({ DeletionPolicy: "Retain" });
    const statements = statementsOf(s.resources, "VigilExportRole");
    expect(statements.find((st) => st.Sid === "WriteExports")?.Action.sort()).toEqual([
      "s3:GetObjectVersion",
      "s3:PutObject",
    ]);
    expect(
      statements.flatMap((st) => st.Action).filter((a) => /^s3:(Delete|PutObjectRetention|Bypass)/.test(a)),
    ).toEqual([]);
  });

  it("seeds baselines from 7 days of event history on the first deploy, again when the profiles change", () => {
    const seed = Object.values(s.resources).find((r) => r.Type === "Custom::VigilBaselineSeed");
    expect(seed?.Properties).toMatchObject({
      Days: "7",
      ProfilesHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const read = statementsOf(s.resources, "VigilSeedRole").find((st) => st.Sid === "ReadEventHistory");
    expect(read).toMatchObject({ Action: ["cloudtrail:LookupEvents"], Resource: "*" });
  });

  it("denies the execute role every IAM action on each of its own functions' roles", () => {
    const deny = statementsOf(s.resources, "VigilExecuteRole").find((st) => st.Effect === "Deny");
    const resources = JSON.stringify(deny?.Resource);
    for (const fn of ["Evaluate", "Ingest", "Execute", "Approvals", "Expiry", "Export", "Seed"]) {
      expect(resources, fn).toContain(logicalIdOf(s.resources, "AWS::IAM::Role", `Vigil${fn}Role`));
    }
  });

  it("alarms on the actions and schedules dead-letter queues", () => {
    for (const alarm of ["VigilActionsDeadLetterAlarm", "VigilSchedulesDeadLetterAlarm"]) {
      expect(propsOf(s, "AWS::CloudWatch::Alarm", alarm)).toMatchObject({ Threshold: 0 });
    }
  });
});

describe("Vigil construct: people's grants", () => {
  it(
    "grantReview reads the table (and decrypts), grantConsole also decides and queues, neither runs anything",
    () => {
      const s = synthStack("People", (app) => {
        const stack = new Stack(app, "People");
        const vigil = new Vigil(stack, "Vigil", sampleConfig());
        const reviewer = new iam.Role(stack, "Reviewer", { assumedBy: new iam.AccountRootPrincipal() });
        const oncall = new iam.Role(stack, "Oncall", { assumedBy: new iam.AccountRootPrincipal() });
        vigil.grantReview(reviewer);
        vigil.grantConsole(oncall);
        vigil.grantDecide(oncall);
        return stack;
      });
      const actions = (role: string) =>
        [...new Set(statementsOf(s.resources, role).flatMap((st) => st.Action))].sort();
      expect(actions("Reviewer").filter((a) => a.startsWith("dynamodb:"))).toEqual([...TABLE_ACTIONS.review]);
      expect(actions("Reviewer").filter((a) => !a.startsWith("dynamodb:"))).toEqual([
        "kms:Decrypt",
        "kms:DescribeKey",
      ]);
      const oncall = actions("Oncall");
      expect(oncall.filter((a) => a.startsWith("dynamodb:"))).toEqual([...TABLE_ACTIONS.console]);
      expect(oncall).toContain("sqs:SendMessage");
      expect(oncall).toContain("execute-api:Invoke");
      expect(oncall.filter((a) => /^(iam|sts|secretsmanager|lambda):/.test(a))).toEqual([]);
      expect(TABLE_ACTIONS.review.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe("Vigil construct: seedDays", () => {
  it(
    "with 0 creates no seed, and refuses a value CloudTrail cannot serve",
    () => {
      const s = synthVigil({ ...sampleConfig(), seedDays: 0 });
      expect(Object.values(s.resources).some((r) => r.Type === "Custom::VigilBaselineSeed")).toBe(false);
      expect(() => synthVigil({ seedDays: 120 })).toThrow(VigilPropsError);
      expect(() => synthVigil({ seedDays: 120 })).toThrow(
        /seedDays 120 must be a whole number of days from 0 \(no seed\) to 90/,
      );
    },
    SYNTH_TIMEOUT_MS,
  );
});
