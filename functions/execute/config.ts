import { show } from "../../shared/domain/errors.ts";
import {
  type FunctionSettings,
  readFunctionSettings,
  readTableName,
  StartupError,
} from "../common/function-config.ts";

/** The variable naming the SNS topic the execute function notifies; set by the Vigil construct. */
export const TOPIC_ENV = "VIGIL_TOPIC_ARN";

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** What the execute function reads once per cold start. */
export interface ExecuteSettings extends FunctionSettings {
  /** vigil's DynamoDB table: playbook runs, locks, the action cap, the kill switch. */
  readonly tableName: string;
  /** Where the notify step and the cap's alert publish. */
  readonly topicArn: string;
  /** The function's Region (`AWS_REGION`, set by Lambda), for the IAM, Secrets Manager and SNS clients. */
  readonly region: string | undefined;
}

/**
 * The execute function's settings: the common ones, the table and the notification topic. Throws a
 * StartupError that names the setting, shows the bad value and says how to fix it.
 */
export function loadExecuteSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): ExecuteSettings {
  const common = readFunctionSettings(env, baseDir);
  const tableName = readTableName(env);
  const topicArn = env[TOPIC_ENV];
  if (topicArn === undefined || !TOPIC_ARN.test(topicArn)) {
    throw new StartupError(
      `vigil cannot start: ${TOPIC_ENV} ${topicArn === undefined ? "is not set" : `${show(topicArn)} is not an SNS topic ARN`}; the Vigil construct sets it to its notification topic: redeploy the stack`,
    );
  }
  return { ...common, tableName, topicArn, region: env.AWS_REGION };
}
