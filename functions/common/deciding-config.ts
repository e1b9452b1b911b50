import { type LinkSettings, readOptionalLinkSettings } from "./approval-links.ts";
import {
  type FunctionSettings,
  readActionsQueueUrl,
  readFunctionSettings,
  readTableName,
  readTopicArn,
} from "./function-config.ts";

/**
 * What the functions that decide read once per cold start (evaluate, ingest, expiry): besides the
 * common settings, where they keep state and act on what they decided, without acting themselves.
 */
export interface DecidingSettings extends FunctionSettings {
  /** vigil's DynamoDB table: event state, hand-offs, records, approval requests, exceptions. */
  readonly tableName: string;
  /** Where decisions are notified and approval requests announced. */
  readonly topicArn: string;
  /** The SQS FIFO queue decided playbooks are queued on for the execute function (enforce mode). */
  readonly actionsQueueUrl: string;
  /** Signs approve/deny links into approval requests' notifications; absent: no links. */
  readonly links?: LinkSettings;
  /** The function's Region (`AWS_REGION`, set by Lambda), for the SDK clients. */
  readonly region: string | undefined;
}

/**
 * The settings of a deciding function, from its environment and the files the Vigil construct
 * bundles next to it (`baseDir`): the common settings, the table, the topic, the actions queue and,
 * when both `VIGIL_APPROVALS_BASE_URL` and `VIGIL_LINK_SECRET_ARN` are set, the approval links. Throws
 * a StartupError naming the setting when one is missing or wrong.
 */
export function readDecidingSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): DecidingSettings {
  const links = readOptionalLinkSettings(env);
  return {
    ...readFunctionSettings(env, baseDir),
    tableName: readTableName(env),
    topicArn: readTopicArn(env),
    actionsQueueUrl: readActionsQueueUrl(env),
    ...(links === undefined ? {} : { links }),
    region: env.AWS_REGION,
  };
}
