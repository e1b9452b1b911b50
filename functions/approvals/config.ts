import { type LinkSettings, readLinkSettings } from "../common/approval-links.ts";
import {
  type FunctionSettings,
  readActionsQueueUrl,
  readFunctionSettings,
  readTableName,
  readTopicArn,
} from "../common/function-config.ts";

// infra/vigil.ts imports the variable names from here; they live with the other functions' readers.

/** What the approvals function reads once per cold start. */
export interface ApprovalsSettings extends FunctionSettings, LinkSettings {
  /** vigil's DynamoDB table: approval requests, records, used links, exceptions. */
  readonly tableName: string;
  /** Where a request that expires on a late vote is announced again (or escalated). */
  readonly topicArn: string;
  /** The SQS FIFO queue an approved playbook is queued on for the execute function. */
  readonly actionsQueueUrl: string;
  /** The function's Region (`AWS_REGION`, set by Lambda), for the SDK clients. */
  readonly region: string | undefined;
}

/**
 * The approvals function's settings, read once per cold start: the common ones, the table, the
 * topic, the actions queue, the API's base URL and the link secret's ARN. Throws a StartupError that
 * names the setting, shows the bad value and says how to fix it.
 */
export function loadApprovalsSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): ApprovalsSettings {
  return {
    ...readFunctionSettings(env, baseDir),
    tableName: readTableName(env),
    topicArn: readTopicArn(env),
    actionsQueueUrl: readActionsQueueUrl(env),
    ...readLinkSettings(env),
    region: env.AWS_REGION,
  };
}
