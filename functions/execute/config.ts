import { show } from "../../shared/domain/errors.ts";
import {
  ENV,
  type FunctionSettings,
  readFunctionSettings,
  readTableName,
  readTopicArn,
  StartupError,
} from "../common/function-config.ts";

/** The variable naming the SNS topic the execute function notifies; set by the Vigil construct. */
export const TOPIC_ENV = ENV.topicArn;

/**
 * Variables the Vigil construct sets on the execute function when it serves an organization (all
 * three, or none): the member role's name, the ExternalId to present, and vigil's own account (whose
 * principals the function contains with its own credentials). A stable contract.
 */
export const MEMBER_ACCOUNT_ENV = {
  roleName: "VIGIL_MEMBER_ROLE_NAME",
  externalId: "VIGIL_MEMBER_EXTERNAL_ID",
  homeAccount: "VIGIL_HOME_ACCOUNT_ID",
} as const;

/** How the execute function acts in the member accounts of an organization. */
export interface MemberAccountSettings {
  /** vigil's own account: its principals are acted on with the function's own credentials. */
  readonly homeAccountId: string;
  /** The role each member account's stack creates, assumed to act on that account's principals. */
  readonly memberRoleName: string;
  /** The ExternalId the member roles require. */
  readonly externalId: string;
}

/** What the execute function reads once per cold start. */
export interface ExecuteSettings extends FunctionSettings {
  /** vigil's DynamoDB table: playbook runs, locks, the action cap, the kill switch, the ledger. */
  readonly tableName: string;
  /** Where the notify step and the cap's alert publish. */
  readonly topicArn: string;
  /** The function's Region (`AWS_REGION`, set by Lambda), for the IAM, Secrets Manager and SNS clients. */
  readonly region: string | undefined;
  /** Set when vigil serves an organization; absent: every principal is acted on in vigil's own account. */
  readonly members?: MemberAccountSettings;
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

type Env = Readonly<Record<string, string | undefined>>;

/** The organization settings: all three variables or none; throws a StartupError naming what is wrong. */
function readMemberAccounts(env: Env): MemberAccountSettings | undefined {
  const names = [MEMBER_ACCOUNT_ENV.homeAccount, MEMBER_ACCOUNT_ENV.roleName, MEMBER_ACCOUNT_ENV.externalId];
  const missing = names.filter((name) => env[name] === undefined || env[name] === "");
  if (missing.length === names.length) return undefined;
  const fix =
    "the Vigil construct sets all three when its `organization` prop is given: redeploy the stack, or remove all three to act in vigil's own account only";
  if (missing.length > 0) {
    throw new StartupError(
      `vigil cannot start: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set, but ${names
        .filter((n) => !missing.includes(n))
        .join(
          " and ",
        )} ${missing.length === 1 ? "are" : "is"}; acting in member accounts needs all three; ${fix}`,
      { context: { missing } },
    );
  }
  const checks: Array<[string, RegExp, string]> = [
    [MEMBER_ACCOUNT_ENV.homeAccount, ACCOUNT_ID, "is not a 12-digit AWS account id"],
    [MEMBER_ACCOUNT_ENV.roleName, ROLE_NAME, "is not an IAM role name (1 to 64 letters, digits and +=,.@_-)"],
    [
      MEMBER_ACCOUNT_ENV.externalId,
      EXTERNAL_ID,
      "is not an ExternalId (2 to 1224 letters, digits and +=,.@:/_-)",
    ],
  ];
  for (const [name, pattern, problem] of checks) {
    const value = env[name]!;
    if (!pattern.test(value)) {
      throw new StartupError(`vigil cannot start: ${name} ${show(value)} ${problem}; ${fix}`, {
        context: { name },
      });
    }
  }
  return {
    homeAccountId: env[MEMBER_ACCOUNT_ENV.homeAccount]!,
    memberRoleName: env[MEMBER_ACCOUNT_ENV.roleName]!,
    externalId: env[MEMBER_ACCOUNT_ENV.externalId]!,
  };
}

/**
 * The execute function's settings: the common ones, the table, the notification topic and, when vigil
 * serves an organization, how to act in the member accounts. Throws a StartupError that names the
 * setting, shows the bad value and says how to fix it.
 */
export function loadExecuteSettings(env: Env, baseDir: string): ExecuteSettings {
  const common = readFunctionSettings(env, baseDir);
  const tableName = readTableName(env);
  const members = readMemberAccounts(env);
  return {
    ...common,
    tableName,
    topicArn: readTopicArn(env),
    region: env.AWS_REGION,
    ...(members === undefined ? {} : { members }),
  };
}
