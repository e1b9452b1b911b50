import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { ENV, type Mode } from "../../functions/common/function-config.ts";
import { FUNCTION_BUNDLING } from "../function-data.ts";
import { acknowledgePinnedRuntime } from "./nag-acknowledgements.ts";
import { alarmAboveZero } from "./notifications.ts";

const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "functions");

/** What every vigil function shares: built once by the construct, passed to each {@link vigilFunction}. */
export interface FunctionContext {
  /** Encrypts the log groups. */
  readonly key: kms.IKey;
  /** Named in each function's environment (access is granted per function). */
  readonly table: dynamodb.ITable;
  /** Receives the error and throttle alarms. */
  readonly topic: sns.ITopic;
  readonly mode: Mode;
  readonly retention: logs.RetentionDays;
  /** What rides in each bundle beside the code (function-data.ts). */
  readonly dataDir: string;
}

/** What differs between vigil's functions. */
export interface FunctionOptions {
  /** The folder under `functions/` whose `handler.ts` exports `handler`. */
  readonly folder: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
}

/**
 * A vigil Lambda function (construct id `id`) on Node.js 22, arm64, bundled as ESM from
 * `functions/<folder>/handler.ts` with the validated config beside it, and around it: its log group
 * (`<id>Logs`, kept `retention` days, encrypted), its own role (`<id>Role`: writing its logs only, no
 * managed policy; every other grant is added by the caller), and alarms on its errors and throttles
 * (`<id>ErrorsAlarm`, `<id>ThrottlesAlarm`). The environment holds the mode and the table name; the
 * pinned runtime is acknowledged to cdk-nag.
 */
export function vigilFunction(
  scope: Construct,
  id: string,
  options: FunctionOptions,
  context: FunctionContext,
): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: context.retention,
    encryptionKey: context.key,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // An explicit role: only what the function uses (its log group, its queue, its key), no managed policy.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    description: `vigil: runs the ${id.toLowerCase()} function`,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, id, {
    entry: join(FUNCTIONS_DIR, options.folder, "handler.ts"),
    handler: "handler",
    description: options.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    timeout: options.timeout,
    memorySize: options.memorySize,
    role,
    logGroup,
    environment: {
      [ENV.mode]: context.mode,
      [ENV.tableName]: context.table.tableName,
      POWERTOOLS_LOG_LEVEL: "INFO",
    },
    bundling: {
      ...FUNCTION_BUNDLING,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        // The validated config and Amazon's address ranges ride in the bundle, next to index.mjs.
        afterBundling: (_inputDir, outputDir) => [`cp -R ${quote(context.dataDir)}/. ${quote(outputDir)}/`],
      },
    },
  });
  for (const [metric, name] of [
    [fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }), "Errors"],
    [fn.metricThrottles({ period: Duration.minutes(5), statistic: "Sum" }), "Throttles"],
  ] as const) {
    alarmAboveZero(scope, `${id}${name}Alarm`, {
      metric,
      description: `vigil: the ${id.toLowerCase()} function reports ${name.toLowerCase()}`,
      topic: context.topic,
    });
  }
  acknowledgePinnedRuntime(fn);
  return fn;
}

function quote(path: string): string {
  return `'${path.replace(/'/g, "'\\''")}'`;
}
