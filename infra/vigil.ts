import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Aws, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cloudtrail from "aws-cdk-lib/aws-cloudtrail";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import { SqsDestination } from "aws-cdk-lib/aws-s3-notifications";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV, MODES, type Mode } from "../functions/common/function-config.ts";
import { TOPIC_ENV } from "../functions/execute/config.ts";
import { TABLE_KEYS } from "../shared/adapters/dynamodb-table.ts";
import { ConfigError, compileConfig } from "../shared/domain/config/compile.ts";
import { type ConfigFile, type ConfigInput, configSchema } from "../shared/domain/config/schema.ts";
import { show, VigilError } from "../shared/domain/errors.ts";
import { PLAYBOOK_IDS } from "../shared/domain/playbooks/catalog.ts";
import { requiredPermissions } from "../shared/domain/playbooks/steps/registry.ts";
import { type CompiledRule, compileEventRules, type EventPattern } from "./event-patterns.ts";
import { functionDataDir } from "./function-data.ts";

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
   * `observe` records findings and plans playbooks; `enforce` also lets the execute function run the
   * playbooks it is invoked with (in `observe` it refuses every request).
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
}

/** Props that cannot be deployed; the message names the field, shows the value and says how to fix it. */
export class VigilPropsError extends VigilError {
  override name = "VigilPropsError";
}

const DEFAULT_RETENTION_DAYS = 365;
const EVALUATE_TIMEOUT = Duration.seconds(60);
const EXECUTE_TIMEOUT = Duration.minutes(2);
/** What the evaluate and ingest functions do on the table (dynamodb-event-state.ts): read, and put conditionally. */
export const EVENT_STATE_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem"] as const;
/** What the execute function does on the table (dynamodb-playbook-runs.ts). */
export const PLAYBOOK_RUN_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
] as const;
/** What a function needs of the KMS key to read and write the table (no wildcard actions). */
const TABLE_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"] as const;
/** Role names vigil gives its own roles' pattern; the execute role may never change a role matching it. */
export const OWN_ROLE_PATTERN = "vigil-*";
const INGEST_TIMEOUT = Duration.minutes(5);
/** Deliveries of a message before it moves to its dead-letter queue. */
const MAX_RECEIVES = 5;
const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "functions");
const ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";
/** The construct id CDK gives its stack-wide bucket-notifications handler. */
const BUCKET_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * vigil in one construct: CloudTrail events of the declared identities (and the always-on signals)
 * flow EventBridge → SQS → the evaluate function in batches; new trail files flow S3 → SQS → the
 * ingest function for reconciliation. Everything is encrypted with one KMS key; dead-letter queues,
 * function errors and throttles raise alarms on the notification topic.
 *
 * Learned baselines, findings, exposures, processed event ids and playbook runs live in one DynamoDB
 * table (encrypted with the key, point-in-time recovery on). The execute function runs a decided
 * playbook with exactly the permissions the registered steps declare, and may never change vigil's
 * own roles.
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

  constructor(scope: Construct, id: string, props: VigilProps = {}) {
    super(scope, id);
    const where = `Vigil ${show(this.node.path)}`;
    const config = validateConfig(props, where);
    const mode = props.mode ?? "observe";
    if (!(MODES as readonly string[]).includes(mode)) {
      throw new VigilPropsError(`${where}: mode ${show(mode)} must be ${MODES.join(" or ")}`);
    }
    const retention = retentionOf(props.recordRetentionDays, where);
    for (const email of props.notificationEmails ?? []) {
      if (!EMAIL.test(email)) {
        throw new VigilPropsError(
          `${where}: notificationEmails entry ${show(email)} is not an email address; write it like oncall@example.com`,
        );
      }
    }
    const rules = compileEventRules(config);
    const dataDir = functionDataDir(config);

    this.key = new kms.Key(this, "Key", {
      description: "vigil: encrypts its queues, notification topic and logs",
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchLogsOfVigil",
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        resources: ["*"],
        conditions: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );

    this.notificationTopic =
      props.notificationTopic ??
      new sns.Topic(this, "Notifications", {
        displayName: "vigil alarms and findings",
        masterKey: this.key,
        enforceSSL: true,
      });
    for (const email of props.notificationEmails ?? []) {
      this.notificationTopic.addSubscription(new EmailSubscription(email));
    }

    this.table = new dynamodb.Table(this, "State", {
      partitionKey: { name: TABLE_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttl,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Live path: EventBridge → SQS → evaluate.
    const eventsDlq = this.#queue("EventsDeadLetterQueue", Duration.seconds(30));
    this.eventsQueue = this.#queue(
      "EventsQueue",
      Duration.seconds(EVALUATE_TIMEOUT.toSeconds() * 6),
      eventsDlq,
    );
    this.rules = new Map(rules.map((rule) => [rule.id, this.#rule(rule, eventsDlq)]));
    this.evaluateFunction = this.#function("Evaluate", {
      entry: join(FUNCTIONS_DIR, "evaluate", "handler.ts"),
      description: "vigil: evaluates CloudTrail events delivered by EventBridge",
      timeout: EVALUATE_TIMEOUT,
      memorySize: 512,
      mode,
      retention,
      dataDir,
    });
    this.evaluateFunction.addEventSource(
      new SqsEventSource(this.eventsQueue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // Instances share state through conditional writes; a few keep conflicts (and retries) rare.
        maxConcurrency: 5,
      }),
    );
    this.#grantTable(this.evaluateFunction, EVENT_STATE_ACTIONS);

    // Reconciliation path: S3 trail files → SQS → ingest.
    const trailFilesDlq = this.#queue("TrailFilesDeadLetterQueue", Duration.seconds(30));
    this.trailFilesQueue = this.#queue(
      "TrailFilesQueue",
      Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
      trailFilesDlq,
    );
    const bucket = props.trailBucket ?? this.#trail(retention);
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new SqsDestination(this.trailFilesQueue), {
      prefix: "AWSLogs/",
      suffix: ".json.gz",
    });
    this.ingestFunction = this.#function("Ingest", {
      entry: join(FUNCTIONS_DIR, "ingest", "handler.ts"),
      description: "vigil: evaluates the records of new CloudTrail trail files (reconciliation)",
      timeout: INGEST_TIMEOUT,
      memorySize: 1024,
      mode,
      retention,
      dataDir,
    });
    this.ingestFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "ReadTrailFiles",
        actions: ["s3:GetObject"],
        resources: [bucket.arnForObjects("AWSLogs/*")],
      }),
    );
    props.trailEncryptionKey?.grantDecrypt(this.ingestFunction);
    this.#grantTable(this.ingestFunction, EVENT_STATE_ACTIONS);
    this.ingestFunction.addEventSource(
      new SqsEventSource(this.trailFilesQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    this.executeFunction = this.#function("Execute", {
      entry: join(FUNCTIONS_DIR, "execute", "handler.ts"),
      description: "vigil: runs a decided containment playbook (enforce mode only)",
      timeout: EXECUTE_TIMEOUT,
      memorySize: 512,
      mode,
      retention,
      dataDir,
    });
    this.executeFunction.addEnvironment(TOPIC_ENV, this.notificationTopic.topicArn);
    this.#grantTable(this.executeFunction, PLAYBOOK_RUN_ACTIONS);
    this.#grantPlaybookSteps(this.executeFunction.role!);

    this.#alarms([
      ["EventsDeadLetterAlarm", eventsDlq],
      ["TrailFilesDeadLetterAlarm", trailFilesDlq],
    ]);
    this.#acknowledge(bucket, props.trailBucket === undefined);
  }

  #queue(id: string, visibilityTimeout: Duration, deadLetterQueue?: sqs.Queue): sqs.Queue {
    return new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      visibilityTimeout,
      retentionPeriod: Duration.days(deadLetterQueue === undefined ? 14 : 4),
      deadLetterQueue:
        deadLetterQueue === undefined ? undefined : { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    });
  }

  #rule(compiled: CompiledRule, deadLetterQueue: sqs.Queue): events.Rule {
    const rule = new events.Rule(this, compiled.id, {
      description: compiled.description,
      eventPattern: toCdkPattern(compiled.pattern),
      targets: [new SqsQueue(this.eventsQueue, { deadLetterQueue, maxEventAge: Duration.hours(24) })],
    });
    if (compiled.readOnlyEvents) {
      // The L2 Rule only knows enabled/disabled; read-only management events need this state.
      (rule.node.defaultChild as events.CfnRule).state = ALL_MANAGEMENT_EVENTS;
    }
    return rule;
  }

  #function(
    id: "Evaluate" | "Ingest" | "Execute",
    options: {
      entry: string;
      description: string;
      timeout: Duration;
      memorySize: number;
      mode: Mode;
      retention: logs.RetentionDays;
      dataDir: string;
    },
  ): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.retention,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role: only what the function uses (its log group, its queue, its key), no managed policy.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `vigil: runs the ${id.toLowerCase()} function`,
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, id, {
      entry: options.entry,
      handler: "handler",
      description: options.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: options.timeout,
      memorySize: options.memorySize,
      role,
      logGroup,
      environment: {
        [ENV.mode]: options.mode,
        [ENV.tableName]: this.table.tableName,
        POWERTOOLS_LOG_LEVEL: "INFO",
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        keepNames: true,
        externalModules: ["@aws-sdk/*"],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The validated config and Amazon's address ranges ride in the bundle, next to index.mjs.
          afterBundling: (_inputDir, outputDir) => [`cp -R ${quote(options.dataDir)}/. ${quote(outputDir)}/`],
        },
      },
    });
    for (const [metric, name] of [
      [fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }), "Errors"],
      [fn.metricThrottles({ period: Duration.minutes(5), statistic: "Sum" }), "Throttles"],
    ] as const) {
      this.#alarm(
        `${id}${name}Alarm`,
        metric,
        `vigil: the ${id.toLowerCase()} function reports ${name.toLowerCase()}`,
      );
    }
    return fn;
  }

  /** Exactly `actions` on the table, and what DynamoDB needs of the key that encrypts it. */
  #grantTable(fn: NodejsFunction, actions: readonly string[]): void {
    this.table.grant(fn, ...actions);
    this.key.grant(fn, ...TABLE_KEY_ACTIONS);
  }

  /**
   * The execute role: exactly the union of the IAM actions the registered playbook steps declare
   * (requiredPermissions()), each service's actions scoped to this account's resources of that service,
   * and an explicit Deny of every IAM action on vigil's own roles, so a playbook can never weaken vigil.
   */
  #grantPlaybookSteps(role: iam.IRole): void {
    const account = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}`;
    const scopes: Record<string, string[]> = {
      iam: [`${account}:user/*`, `${account}:role/*`, `${account}:policy/*`],
      secretsmanager: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:*`],
      sns: [this.notificationTopic.topicArn],
    };
    const byService = new Map<string, string[]>();
    for (const action of requiredPermissions()) {
      const service = action.slice(0, action.indexOf(":"));
      if (scopes[service] === undefined) {
        throw new VigilPropsError(
          `a registered playbook step needs ${show(action)}, and the Vigil construct does not know how to scope ${service} permissions; add the service to #grantPlaybookSteps`,
        );
      }
      byService.set(service, [...(byService.get(service) ?? []), action]);
    }
    for (const [service, actions] of byService) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `PlaybookSteps${service.charAt(0).toUpperCase()}${service.slice(1)}`,
          actions,
          resources: scopes[service],
        }),
      );
    }
    // The topic is encrypted with the key: publishing needs it.
    this.key.grant(role, "kms:Decrypt", "kms:GenerateDataKey");
    const ownRoles = [this.evaluateFunction, this.ingestFunction, this.executeFunction].map(
      (fn) => fn.role!.roleArn,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "NeverChangeVigilsOwnRoles",
        effect: iam.Effect.DENY,
        actions: ["iam:*"],
        resources: [`arn:${Aws.PARTITION}:iam::*:role/${OWN_ROLE_PATTERN}`, ...ownRoles],
      }),
    );
  }

  #trail(retention: logs.RetentionDays): s3.Bucket {
    const bucket = new s3.Bucket(this, "TrailBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { expiration: Duration.days(retention), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    new cloudtrail.Trail(this, "Trail", {
      bucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    return bucket;
  }

  #alarms(deadLetterQueues: ReadonlyArray<readonly [string, sqs.Queue]>): void {
    for (const [id, queue] of deadLetterQueues) {
      this.#alarm(
        id,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
        `vigil: messages in ${id.replace(/Alarm$/, "")}: events that could not be evaluated`,
      );
    }
  }

  #alarm(id: string, metric: cloudwatch.IMetric, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.notificationTopic));
  }

  /** cdk-nag findings vigil accepts, each with its reason. */
  #acknowledge(bucket: s3.IBucket, ownTrail: boolean): void {
    for (const fn of [this.evaluateFunction, this.ingestFunction, this.executeFunction]) {
      Validations.of(fn).acknowledge({
        id: "AwsSolutions-L1",
        reason:
          "Pinned to Node.js 22 on purpose: the project's toolchain and tests run Node 20/22; the runtime moves with the project, not with each Lambda release.",
      });
    }
    for (const [resource, reason] of [
      [
        "arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*",
        "Playbooks contain whichever IAM user a finding names (deactivate its key, quarantine it): the user is only known at run time; the actions are exactly those the registered steps declare, and vigil's own roles are denied.",
      ],
      [
        "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*",
        "Playbooks revoke the sessions of, or quarantine, whichever role a finding names: only known at run time; an explicit Deny keeps vigil's own roles out of reach, and protected principals are refused by the guards.",
      ],
      [
        "arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/*",
        "The quarantine steps create and delete vigil's deny policies under the /vigil/ path, named per principal at run time.",
      ],
      [
        "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*",
        "rotate-secret acts on whichever secret a finding names; it may only describe and start a rotation, never read a value.",
      ],
    ] as const) {
      Validations.of(this.executeFunction.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason,
      });
    }
    Validations.of(this.ingestFunction.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/AWSLogs/*]`,
      reason:
        "CloudTrail names its files by account, Region, date and a random suffix under AWSLogs/: the ingest function may read exactly that prefix, and only s3:GetObject.",
    });
    // CDK configures bucket notifications through one stack-wide custom resource; vigil added it.
    const notificationsHandler = Stack.of(this).node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER);
    if (notificationsHandler !== undefined) {
      Validations.of(notificationsHandler).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason:
          "CDK's own handler that sets the trail bucket's notification at deploy time; the managed policy only lets it write its logs.",
      });
    }
    if (ownTrail) {
      Validations.of(bucket).acknowledge({
        id: "AwsSolutions-S1",
        reason:
          "The bucket only receives CloudTrail's own deliveries, written by the CloudTrail service; server access logs would need another bucket that needs the same exception.",
      });
    }
  }
}

/** How cdk-nag names a bucket's ARN in a finding: `<LogicalId.Arn>` for a bucket of this app, else the ARN. */
function nagArn(bucket: s3.IBucket): string {
  const resource = bucket.node.defaultChild;
  if (resource instanceof s3.CfnBucket) return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
  return bucket.bucketArn;
}

function validateConfig(props: VigilProps, where: string): ConfigFile {
  const input: ConfigInput = {
    profiles: props.profiles,
    secrets: props.secrets,
    policy: props.policy,
    protected: props.protected,
    learning: props.learning,
    vpcEndpoints: props.vpcEndpoints,
  };
  try {
    compileConfig(input, where, PLAYBOOK_IDS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new VigilPropsError(
      `${error.message}\nThe props have the shape of the config file described in the README.`,
      {
        cause: error,
        context: { problems: error.problems },
      },
    );
  }
  return configSchema.parse(input);
}

function retentionOf(days: number | undefined, where: string): logs.RetentionDays {
  const value = days ?? DEFAULT_RETENTION_DAYS;
  const allowed = Object.values(logs.RetentionDays).filter(
    (v): v is logs.RetentionDays => typeof v === "number" && v !== logs.RetentionDays.INFINITE,
  );
  if (!allowed.includes(value as logs.RetentionDays)) {
    throw new VigilPropsError(
      `${where}: recordRetentionDays ${show(value)} is not a retention CloudWatch Logs offers; use one of ${allowed.join(", ")}`,
    );
  }
  return value as logs.RetentionDays;
}

function toCdkPattern(pattern: EventPattern): events.EventPattern {
  const { source, "detail-type": detailType, detail } = pattern as Record<string, unknown>;
  return {
    source: source as string[] | undefined,
    detailType: detailType as string[] | undefined,
    detail: detail as Record<string, unknown> | undefined,
  };
}

function quote(path: string): string {
  return `'${path.replace(/'/g, "'\\''")}'`;
}
