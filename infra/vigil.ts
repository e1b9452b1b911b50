import { Aws, Duration, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as events from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as s3 from "aws-cdk-lib/aws-s3";
import { SqsDestination } from "aws-cdk-lib/aws-s3-notifications";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { APPROVALS_ENV } from "../functions/common/approval-links.ts";
import { ENV, type Mode } from "../functions/common/function-config.ts";
import { BUCKET_ENV } from "../functions/export/config.ts";
import type { ConfigInput } from "../shared/domain/config/schema.ts";
import { show } from "../shared/domain/errors.ts";
import { compileEventRules } from "./event-patterns.ts";
import { functionDataDir } from "./function-data.ts";
import { actionsQueue } from "./parts/actions-queue.ts";
import { ApprovalsApi } from "./parts/approvals-api.ts";
import { BaselineSeed, DEFAULT_SEED_DAYS, MAX_SEED_DAYS } from "./parts/baseline-seed.ts";
import { VigilDashboard } from "./parts/dashboard.ts";
import { type FunctionContext, vigilFunction } from "./parts/functions.ts";
import { vigilKey } from "./parts/key.ts";
import {
  acknowledgeBucketNotificationsHandler,
  acknowledgeInvokeVersions,
  acknowledgeMemberRoleAssumption,
  acknowledgePlaybookScopes,
  acknowledgeRecordsExport,
  acknowledgeTrailBucketAccessLogs,
  acknowledgeTrailFileReads,
  schedulerTargetRoles,
} from "./parts/nag-acknowledgements.ts";
import { alarmAboveZero, notificationTopic } from "./parts/notifications.ts";
import {
  grantAssumeMemberRoles,
  MEMBER_ACCOUNT_ENV,
  OrganizationBus,
  organizationSettings,
  type VigilOrganizationProps,
} from "./parts/organization.ts";
import { grantPlaybookSteps } from "./parts/playbook-permissions.ts";
import {
  checkEmails,
  modeOf,
  retentionOf,
  VigilPropsError,
  validateConfig,
} from "./parts/props-validation.ts";
import { queuePair } from "./parts/queues.ts";
import { accessLogsBucket, recordsBucket } from "./parts/records-bucket.ts";
import { eventRules } from "./parts/rules.ts";
import {
  EXPIRY_EVERY,
  EXPIRY_MAX_AGE,
  EXPORT_AT,
  EXPORT_MAX_AGE,
  functionSchedule,
  schedulesDeadLetterQueue,
} from "./parts/schedules.ts";
import { grantTable, stateTable, TABLE_ACTIONS } from "./parts/state-table.ts";
import { vigilTrail } from "./parts/trail.ts";

export {
  DEFAULT_MEMBER_ROLE_NAME,
  MEMBER_ACCOUNT_ENV,
  type VigilOrganizationProps,
} from "./parts/organization.ts";
export { OWN_ROLE_PATTERN } from "./parts/playbook-permissions.ts";
export { VigilPropsError } from "./parts/props-validation.ts";
export { TABLE_ACTIONS } from "./parts/state-table.ts";

/**
 * Props of {@link Vigil}. The configuration fields have the names and shapes of vigil's config file
 * (see the README), so a YAML file parsed into an object can be spread into them; they are validated
 * at synth with the same schema as the CLI's config.
 */
export interface VigilProps {
  /**
   * The machine identities to watch, one profile each: which roles, users or access keys it is, and
   * the sources, time windows and regions its use is expected from.
   * @default - none: only the always-on signals (tampering, IAM changes, root, console) and secret reads
   */
  readonly profiles?: ConfigInput["profiles"];
  /**
   * Secrets and who may read them from where.
   * @default - none: secret reads only add to the score of their reader
   */
  readonly secrets?: ConfigInput["secrets"];
  /**
   * The AWS accounts of the estate (ids or `*` patterns): sharing data or access with any other
   * account is reported as sharing outside the estate.
   * @default - only the account a call was made in
   */
  readonly accounts?: ConfigInput["accounts"];
  /**
   * The lowest severity band that triggers each mode (`auto`, `approval`, `notify`), and the playbook
   * per credential kind.
   * @default - auto: critical, approval: high, notify: medium
   */
  readonly policy?: ConfigInput["policy"];
  /**
   * ARN patterns of principals vigil never acts on (break-glass roles, its own roles).
   * @default - none besides service-linked roles, which are always protected
   */
  readonly protected?: ConfigInput["protected"];
  /**
   * How long learned detections stay quiet for a new credential.
   * @default - { days: 7 }
   */
  readonly learning?: ConfigInput["learning"];
  /**
   * Which VPC each VPC endpoint belongs to, so that `vpc-…` sources match.
   * @default - none
   */
  readonly vpcEndpoints?: ConfigInput["vpcEndpoints"];
  /**
   * Who may approve `needs-approval` playbooks (names, IAM ARNs or patterns; per playbook in
   * `playbooks`), how long a request stays open, which playbooks need two approvers, and what happens
   * when a request lapses. Named approvers get signed approve/deny links in the notification.
   * @default - anyone who gives a name (`"*"`), 30 minutes, renotify
   */
  readonly approvals?: ConfigInput["approvals"];
  /**
   * Break-glass exceptions: the longest one may be granted for.
   * @default - { maxHours: 8 }
   */
  readonly exceptions?: ConfigInput["exceptions"];
  /**
   * Days of CloudTrail event history (LookupEvents) the first deploy learns baselines from, so vigil
   * does not start blind; a deploy that changes the profiles learns again. 0 turns the seed off.
   * @default 7
   */
  readonly seedDays?: number;
  /**
   * `observe` records findings, notifies and plans playbooks; `enforce` also queues `auto` playbooks
   * for the execute function and opens approval requests for `needs-approval` ones (in `observe` the
   * execute function refuses every request).
   * @default "observe"
   */
  readonly mode?: Mode;
  /**
   * Where alarms (and, later, findings) are sent.
   * @default - a new SNS topic encrypted with vigil's KMS key
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Email addresses subscribed to the notification topic (each must confirm its subscription).
   * @default - no subscription
   */
  readonly notificationEmails?: readonly string[];
  /**
   * How long records are kept, in days: the functions' logs (where findings are recorded today) and
   * the trail files of the bucket vigil creates. One of CloudWatch Logs' retention values.
   * @default 365
   */
  readonly recordRetentionDays?: number;
  /**
   * The bucket an existing CloudTrail trail delivers to. vigil subscribes to its new `AWSLogs/…json.gz`
   * objects to reconcile what EventBridge missed.
   * @default - vigil creates a multi-Region trail of management events and its bucket
   */
  readonly trailBucket?: s3.IBucket;
  /**
   * The KMS key the trail files in `trailBucket` are encrypted with, if any; the ingest function is
   * allowed to decrypt with it.
   * @default - the trail files are not KMS-encrypted
   */
  readonly trailEncryptionKey?: kms.IKey;
  /**
   * Receive the events of every account of an AWS Organization: vigil creates a central event bus
   * that any principal of the organization may put events on, with the same rules as the default
   * bus; the execute function may assume the member role (created by a VigilMember stack in each
   * account) to act on a principal of another account of the organization.
   * @default - this account only
   */
  readonly organization?: VigilOrganizationProps;
}

const EVALUATE_TIMEOUT = Duration.seconds(60);
const INGEST_TIMEOUT = Duration.minutes(5);
const EXECUTE_TIMEOUT = Duration.minutes(2);

/**
 * vigil in one construct: CloudTrail events of the declared identities (and the always-on signals)
 * flow EventBridge → SQS → the evaluate function in batches; new trail files flow S3 → SQS → the
 * ingest function for reconciliation. Everything is encrypted with one KMS key; dead-letter queues,
 * function errors and throttles raise alarms on the notification topic, and one CloudWatch dashboard
 * shows the flow, the functions' health and the findings.
 *
 * Learned baselines, findings, exposures, processed event ids and playbook runs live in one DynamoDB
 * table (encrypted with the key, point-in-time recovery on). The execute function runs a decided
 * playbook with exactly the permissions the registered steps declare, and may never change vigil's
 * own roles.
 *
 * Each piece is built by a function of `infra/parts/` with this construct as its scope, so construct
 * ids (and the logical ids derived from them) stay those of the pieces; a new function is one
 * {@link vigilFunction} call plus its grants.
 *
 * @example
 * new Vigil(stack, "Vigil", {
 *   profiles: [{ id: "ci-deployer", match: { roles: ["arn:aws:iam::111122223333:role/ci-deployer"] } }],
 *   mode: "observe",
 *   notificationEmails: ["oncall@example.com"],
 * });
 */
export class Vigil extends Construct {
  /** The key encrypting queues, topic and logs. */
  readonly key: kms.Key;
  /** The queue EventBridge delivers matching CloudTrail events to. */
  readonly eventsQueue: sqs.Queue;
  /** The queue S3 notifies of new trail files. */
  readonly trailFilesQueue: sqs.Queue;
  readonly evaluateFunction: NodejsFunction;
  readonly ingestFunction: NodejsFunction;
  /** Runs one decided playbook per invocation (in `enforce` mode). */
  readonly executeFunction: NodejsFunction;
  /** Baselines, findings, exposures, processed events and playbook runs (one table; key schema in dynamodb-table.ts). */
  readonly table: dynamodb.Table;
  /** Alarms and (later) findings go here. */
  readonly notificationTopic: sns.ITopic;
  /** The EventBridge rules, by construct id. */
  readonly rules: ReadonlyMap<string, events.Rule>;
  /** The organization's central bus and its rules, when `organization` is set. */
  readonly organizationBus?: OrganizationBus;
  /** The CloudWatch dashboard, and the custom metrics its metric filters publish. */
  readonly dashboard: VigilDashboard;
  /** The SQS FIFO queue decided playbooks wait on for the execute function. */
  readonly actionsQueue: sqs.Queue;
  /** Approvals over HTTP: IAM-authorized API and signed-link pages (see ApprovalsApi). */
  readonly approvalsApi: ApprovalsApi;
  readonly approvalsFunction: NodejsFunction;
  /** Every minute: lapsed approvals, ended exceptions, pending hand-offs. */
  readonly expiryFunction: NodejsFunction;
  /** Daily: the records, exported to {@link recordsBucket}. */
  readonly exportFunction: NodejsFunction;
  /** The ledger's exports, under S3 Object Lock (compliance mode) for the record retention. */
  readonly recordsBucket: s3.Bucket;
  /** Learns baselines from CloudTrail event history on the first deploy (absent with `seedDays: 0`). */
  readonly seedFunction?: NodejsFunction;

  constructor(scope: Construct, id: string, props: VigilProps = {}) {
    super(scope, id);
    const where = `Vigil ${show(this.node.path)}`;
    const config = validateConfig(
      {
        profiles: props.profiles,
        secrets: props.secrets,
        accounts: props.accounts,
        policy: props.policy,
        protected: props.protected,
        learning: props.learning,
        vpcEndpoints: props.vpcEndpoints,
        approvals: props.approvals,
        exceptions: props.exceptions,
      },
      where,
    );
    const seedDays = seedDaysOf(props.seedDays, where);
    const mode = modeOf(props.mode, where);
    const retention = retentionOf(props.recordRetentionDays, where);
    checkEmails(props.notificationEmails ?? [], where);
    const organization =
      props.organization === undefined ? undefined : organizationSettings(props.organization, where);
    const compiledRules = compileEventRules(config);

    this.key = vigilKey(this);
    this.notificationTopic = notificationTopic(this, {
      existing: props.notificationTopic,
      key: this.key,
      emails: props.notificationEmails ?? [],
    });
    this.table = stateTable(this, this.key);
    const context: FunctionContext = {
      key: this.key,
      table: this.table,
      topic: this.notificationTopic,
      mode,
      retention,
      dataDir: functionDataDir(config),
    };

    // Live path: EventBridge → SQS → evaluate.
    const live = queuePair(this, "Events", {
      key: this.key,
      visibilityTimeout: Duration.seconds(EVALUATE_TIMEOUT.toSeconds() * 6),
    });
    this.eventsQueue = live.queue;
    const eventsTarget = new SqsQueue(live.queue, {
      deadLetterQueue: live.deadLetterQueue,
      maxEventAge: Duration.hours(24),
    });
    this.rules = eventRules(this, compiledRules, { target: eventsTarget });
    if (organization !== undefined) {
      this.organizationBus = new OrganizationBus(this, "Organization", {
        organizationId: organization.organizationId,
        compiledRules,
        target: eventsTarget,
      });
    }
    this.evaluateFunction = vigilFunction(
      this,
      "Evaluate",
      {
        folder: "evaluate",
        description: "vigil: evaluates CloudTrail events delivered by EventBridge",
        timeout: EVALUATE_TIMEOUT,
        memorySize: 512,
      },
      context,
    );
    this.evaluateFunction.addEventSource(
      new SqsEventSource(live.queue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // Instances share state through conditional writes; a few keep conflicts (and retries) rare.
        maxConcurrency: 5,
      }),
    );
    grantTable(this.evaluateFunction, this.table, this.key, TABLE_ACTIONS.intake);

    // Reconciliation path: S3 trail files → SQS → ingest.
    const trailFiles = queuePair(this, "TrailFiles", {
      key: this.key,
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
    });
    this.trailFilesQueue = trailFiles.queue;
    const bucket = props.trailBucket ?? vigilTrail(this, retention);
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new SqsDestination(trailFiles.queue), {
      prefix: "AWSLogs/",
      suffix: ".json.gz",
    });
    this.ingestFunction = vigilFunction(
      this,
      "Ingest",
      {
        folder: "ingest",
        description: "vigil: evaluates the records of new CloudTrail trail files (reconciliation)",
        timeout: INGEST_TIMEOUT,
        memorySize: 1024,
      },
      context,
    );
    this.ingestFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "ReadTrailFiles",
        actions: ["s3:GetObject"],
        resources: [bucket.arnForObjects("AWSLogs/*")],
      }),
    );
    props.trailEncryptionKey?.grantDecrypt(this.ingestFunction);
    grantTable(this.ingestFunction, this.table, this.key, TABLE_ACTIONS.intake);
    this.ingestFunction.addEventSource(
      new SqsEventSource(trailFiles.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    this.executeFunction = vigilFunction(
      this,
      "Execute",
      {
        folder: "execute",
        description: "vigil: runs a decided containment playbook (enforce mode only)",
        timeout: EXECUTE_TIMEOUT,
        memorySize: 512,
      },
      context,
    );
    this.executeFunction.addEnvironment(ENV.topicArn, this.notificationTopic.topicArn);
    grantTable(this.executeFunction, this.table, this.key, TABLE_ACTIONS.execute);
    const actions = actionsQueue(this, {
      key: this.key,
      visibilityTimeout: Duration.seconds(EXECUTE_TIMEOUT.toSeconds() * 6),
    });
    this.actionsQueue = actions.queue;
    this.executeFunction.addEventSource(
      new SqsEventSource(actions.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // Approvals over HTTP: IAM-authorized API, signed-link pages.
    this.approvalsFunction = vigilFunction(
      this,
      "Approvals",
      {
        folder: "approvals",
        description: "vigil: approvals API (IAM) and signed approval links",
        timeout: Duration.seconds(15),
        memorySize: 512,
      },
      context,
    );
    this.approvalsApi = new ApprovalsApi(this, "ApprovalsApi", {
      fn: this.approvalsFunction,
      key: this.key,
      retention,
    });
    grantTable(this.approvalsFunction, this.table, this.key, TABLE_ACTIONS.approvals);

    // On time: lapsed approvals, ended exceptions, hand-offs an instance left pending.
    this.expiryFunction = vigilFunction(
      this,
      "Expiry",
      {
        folder: "expiry",
        description:
          "vigil: every minute, follows up lapsed approvals, ended exceptions and pending hand-offs",
        timeout: Duration.seconds(60),
        memorySize: 256,
      },
      context,
    );
    grantTable(this.expiryFunction, this.table, this.key, TABLE_ACTIONS.expiry);
    const scheduleDlq = schedulesDeadLetterQueue(this);
    functionSchedule(this, "ExpirySchedule", {
      fn: this.expiryFunction,
      expression: EXPIRY_EVERY,
      description: "vigil: expiry follow-ups every minute",
      maxEventAge: EXPIRY_MAX_AGE,
      deadLetterQueue: scheduleDlq,
    });
    for (const fn of [
      this.evaluateFunction,
      this.ingestFunction,
      this.expiryFunction,
      this.approvalsFunction,
    ]) {
      this.#canDecide(fn, actions.queue);
    }

    // Records: exported daily to a bucket under Object Lock (compliance mode).
    this.recordsBucket = recordsBucket(this, {
      key: this.key,
      retentionDays: retention,
      accessLogs: accessLogsBucket(this, retention),
    });
    this.exportFunction = vigilFunction(
      this,
      "Export",
      {
        folder: "export",
        description: "vigil: exports the records to the Object Lock bucket (daily, or when invoked)",
        timeout: Duration.minutes(5),
        memorySize: 1024,
      },
      context,
    );
    // One export at a time: the bucket's keys are the cursor.
    (this.exportFunction.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    this.exportFunction.addEnvironment(BUCKET_ENV, this.recordsBucket.bucketName);
    grantTable(this.exportFunction, this.table, this.key, TABLE_ACTIONS.export);
    grantRecordsExport(this.exportFunction, this.recordsBucket, this.key);
    functionSchedule(this, "ExportSchedule", {
      fn: this.exportFunction,
      expression: EXPORT_AT,
      description: "vigil: daily records export",
      maxEventAge: EXPORT_MAX_AGE,
      deadLetterQueue: scheduleDlq,
    });

    if (seedDays > 0) {
      this.seedFunction = vigilFunction(
        this,
        "Seed",
        {
          folder: "seed",
          description: "vigil: learns baselines from CloudTrail event history on the first deploy",
          timeout: Duration.minutes(15),
          memorySize: 1024,
        },
        context,
      );
      grantTable(this.seedFunction, this.table, this.key, TABLE_ACTIONS.seed);
      grantLookupEvents(this.seedFunction);
      new BaselineSeed(this, "BaselineSeed", {
        fn: this.seedFunction,
        days: seedDays,
        dataDir: context.dataDir,
        retention,
      });
    }

    grantPlaybookSteps(this.executeFunction.role!, {
      key: this.key,
      topic: this.notificationTopic,
      ownRoleArns: this.#functions().map((fn) => fn.role!.roleArn),
    });

    if (organization !== undefined) {
      grantAssumeMemberRoles(this.executeFunction.role!, organization);
      this.executeFunction.addEnvironment(MEMBER_ACCOUNT_ENV.roleName, organization.memberRoleName);
      this.executeFunction.addEnvironment(MEMBER_ACCOUNT_ENV.externalId, organization.externalId);
      this.executeFunction.addEnvironment(MEMBER_ACCOUNT_ENV.homeAccount, Aws.ACCOUNT_ID);
      acknowledgeMemberRoleAssumption(this.executeFunction.role!, organization.memberRoleName);
    }

    for (const [alarmId, queue] of [
      ["EventsDeadLetterAlarm", live.deadLetterQueue],
      ["TrailFilesDeadLetterAlarm", trailFiles.deadLetterQueue],
      ["ActionsDeadLetterAlarm", actions.deadLetterQueue],
      ["SchedulesDeadLetterAlarm", scheduleDlq],
    ] as const) {
      alarmAboveZero(this, alarmId, {
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: "Maximum",
        }),
        description: `vigil: messages in ${alarmId.replace(/Alarm$/, "")}: work that failed five times (see the function's logs)`,
        topic: this.notificationTopic,
      });
    }

    this.dashboard = new VigilDashboard(this, "Dashboard", {
      eventsQueue: live.queue,
      workQueues: {
        "events queue": live.queue,
        "trail files queue": trailFiles.queue,
        "actions queue": actions.queue,
      },
      deadLetterQueues: {
        "events dead-letter queue": live.deadLetterQueue,
        "trail files dead-letter queue": trailFiles.deadLetterQueue,
        "actions dead-letter queue": actions.deadLetterQueue,
        "schedules dead-letter queue": scheduleDlq,
      },
      evaluate: this.evaluateFunction,
      otherFunctions: {
        ingest: this.ingestFunction,
        execute: this.executeFunction,
        approvals: this.approvalsFunction,
        expiry: this.expiryFunction,
        export: this.exportFunction,
      },
      findingLogGroups: { Evaluate: this.evaluateFunction.logGroup, Ingest: this.ingestFunction.logGroup },
      playbookLogGroup: this.executeFunction.logGroup,
    });

    acknowledgePlaybookScopes(this.executeFunction.role!, "<AWS::AccountId>", "<AWS::Region>");
    acknowledgeRecordsExport(this.exportFunction.role!, this.recordsBucket);
    for (const role of schedulerTargetRoles(this)) {
      for (const fn of [this.expiryFunction, this.exportFunction]) {
        acknowledgeInvokeVersions(role, fn, "EventBridge Scheduler's target role");
      }
    }
    acknowledgeTrailFileReads(this.ingestFunction.role!, bucket);
    acknowledgeBucketNotificationsHandler(this);
    if (props.trailBucket === undefined) acknowledgeTrailBucketAccessLogs(bucket);
  }

  /** Every function of this Vigil (the execute role may change none of their roles). */
  #functions(): NodejsFunction[] {
    return [
      this.evaluateFunction,
      this.ingestFunction,
      this.executeFunction,
      this.approvalsFunction,
      this.expiryFunction,
      this.exportFunction,
      ...(this.seedFunction === undefined ? [] : [this.seedFunction]),
    ];
  }

  /**
   * What a function that acts on decisions needs: notify (the topic), queue playbooks for the execute
   * function (the actions queue), and sign approval links (the link secret and the API's URL).
   */
  #canDecide(fn: NodejsFunction, queue: sqs.IQueue): void {
    fn.addEnvironment(ENV.topicArn, this.notificationTopic.topicArn);
    fn.addEnvironment(ENV.actionsQueueUrl, queue.queueUrl);
    fn.addEnvironment(APPROVALS_ENV.baseUrl, this.approvalsApi.url);
    fn.addEnvironment(APPROVALS_ENV.linkSecretArn, this.approvalsApi.linkSecret.secretArn);
    // Exact actions (the L2 grants would add kms:GenerateDataKey* and kms:ReEncrypt*).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "Notify",
        actions: ["sns:Publish"],
        resources: [this.notificationTopic.topicArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "QueuePlaybooks",
        actions: ["sqs:SendMessage"],
        resources: [queue.queueArn],
      }),
    );
    this.key.grant(fn, "kms:Decrypt", "kms:GenerateDataKey");
    this.approvalsApi.linkSecret.grantRead(fn);
  }

  /**
   * Lets `grantee` (an on-call role) list, approve and deny through the approvals API with SigV4; the
   * per-playbook approvers of the config still decide who may approve what.
   */
  grantDecide(grantee: iam.IGrantable): iam.Grant {
    return this.approvalsApi.grantDecide(grantee);
  }

  /**
   * Lets `grantee` (a compliance reviewer's role) read the deployment's state with its own credentials:
   * `vigil records list|verify|export --table` and the console's pages (`vigil console --table`), and
   * nothing else: no writes, no queue.
   */
  grantReview(grantee: iam.IGrantable): void {
    this.table.grant(grantee, ...TABLE_ACTIONS.review);
    this.key.grant(grantee, "kms:Decrypt", "kms:DescribeKey");
  }

  /**
   * Lets `grantee` (an on-call engineer's role) run `vigil console --table … --actions-queue …`: read,
   * decide approval requests (recorded in the ledger), grant and revoke exceptions, and queue an
   * approved playbook on the actions queue — never run one: the execute function does, under its guards.
   */
  grantConsole(grantee: iam.IGrantable): void {
    this.table.grant(grantee, ...TABLE_ACTIONS.console);
    this.key.grant(grantee, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey");
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["sqs:SendMessage"],
      resourceArns: [this.actionsQueue.queueArn],
    });
  }
}

function seedDaysOf(days: number | undefined, where: string): number {
  const value = days ?? DEFAULT_SEED_DAYS;
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEED_DAYS) {
    throw new VigilPropsError(
      `${where}: seedDays ${show(value)} must be a whole number of days from 0 (no seed) to ${MAX_SEED_DAYS} (what CloudTrail event history keeps)`,
    );
  }
  return value;
}

/** The export: list the bucket's versions, write and read back exports under `records/`, with the key. */
function grantRecordsExport(fn: NodejsFunction, bucket: s3.IBucket, key: kms.IKey): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "ListExports",
      actions: ["s3:ListBucketVersions"],
      resources: [bucket.bucketArn],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "WriteExports",
      actions: ["s3:PutObject", "s3:GetObjectVersion"],
      resources: [bucket.arnForObjects("records/*")],
    }),
  );
  key.grant(fn, "kms:Decrypt", "kms:GenerateDataKey");
}

/** The seed reads CloudTrail event history; LookupEvents has no resource-level permissions. */
function grantLookupEvents(fn: NodejsFunction): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "ReadEventHistory",
      actions: ["cloudtrail:LookupEvents"],
      resources: ["*"],
    }),
  );
  Validations.of(fn.role!).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "cloudtrail:LookupEvents supports no resource-level permission: the seed may only read event history.",
  });
}
