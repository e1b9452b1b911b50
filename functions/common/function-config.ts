import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as z from "zod";
import { ConfigError, compileConfig, type VigilConfig } from "../../shared/domain/config/compile.ts";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { PLAYBOOK_IDS } from "../../shared/domain/playbooks/catalog.ts";

/** How vigil acts on findings: `observe` only records them, `enforce` will run the decided playbooks. */
export const MODES = ["observe", "enforce"] as const;
export type Mode = (typeof MODES)[number];

/** The environment variables the Vigil construct sets on every function; a stable contract. */
export const ENV = {
  mode: "VIGIL_MODE",
  configFile: "VIGIL_CONFIG_FILE",
  rangesDir: "VIGIL_AMAZON_RANGES_DIR",
  tableName: "VIGIL_TABLE_NAME",
  topicArn: "VIGIL_TOPIC_ARN",
  actionsQueueUrl: "VIGIL_ACTIONS_QUEUE_URL",
} as const;

/** Where the construct puts the config and the Amazon ranges inside each function's bundle. */
export const BUNDLED = { configFile: "vigil.config.json", rangesDir: "amazon-ranges" } as const;

/** What every function reads once per cold start. */
export interface FunctionSettings {
  readonly mode: Mode;
  readonly config: VigilConfig;
  /** Directory of the Amazon range files for the network classifier. */
  readonly rangesDir: string;
}

/** A function cannot start: a setting is missing or wrong, or the bundled config is unusable. */
export class StartupError extends VigilError {
  override name = "StartupError";
}

const environmentSchema = z.object({
  [ENV.mode]: z.enum(MODES, { error: `must be ${MODES.join(" or ")}` }),
  [ENV.configFile]: z.string().min(1).default(BUNDLED.configFile),
  [ENV.rangesDir]: z.string().min(1).default(BUNDLED.rangesDir),
});

/**
 * Reads a function's settings from its environment and its bundle directory (`baseDir`, where the
 * construct put `vigil.config.json` and `amazon-ranges/`). Relative paths are taken from `baseDir`.
 * Throws a StartupError that names the setting, shows the bad value and says how to fix it.
 */
export function readFunctionSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): FunctionSettings {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = env[name];
      return value === undefined
        ? `${name} is not set; it ${issue.message === "Invalid input" ? "is required" : issue.message}`
        : `${name} ${show(value)} ${issue.message}`;
    });
    throw new StartupError(
      `vigil cannot start: ${problems.join("; ")}. The Vigil construct sets these variables: redeploy the stack, or set them on the function`,
      { context: { problems } },
    );
  }
  const settings = parsed.data;
  const at = (path: string) => (isAbsolute(path) ? path : join(baseDir, path));
  return {
    mode: settings[ENV.mode],
    config: loadBundledConfig(at(settings[ENV.configFile])),
    rangesDir: at(settings[ENV.rangesDir]),
  };
}

function loadBundledConfig(path: string): VigilConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new StartupError(
      `vigil cannot start: the config file ${show(path)} (${ENV.configFile}) cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); the Vigil construct bundles it with the function: redeploy the stack`,
      { cause: error, context: { path } },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StartupError(
      `vigil cannot start: the config file ${show(path)} is not JSON (${(error as Error).message}); redeploy the stack to bundle it again`,
      { cause: error, context: { path } },
    );
  }
  try {
    return compileConfig(value, path, PLAYBOOK_IDS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new StartupError(
      `vigil cannot start: ${error.message}\nFix the Vigil construct's props and redeploy`,
      { cause: error, context: { path, problems: error.problems } },
    );
  }
}

/** DynamoDB table names: 3 to 255 letters, digits, `_`, `-` and `.`. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * The name of vigil's DynamoDB table, from `VIGIL_TABLE_NAME` (the construct sets it on the functions
 * that keep state). Throws a StartupError that names the setting and shows the bad value.
 */
export function readTableName(env: Readonly<Record<string, string | undefined>>): string {
  const name = env[ENV.tableName];
  if (name === undefined || name === "") {
    throw new StartupError(
      `vigil cannot start: ${ENV.tableName} is not set; it names the DynamoDB table that keeps baselines, findings and processed events. The Vigil construct sets it: redeploy the stack, or set it on the function`,
    );
  }
  if (!TABLE_NAME.test(name)) {
    throw new StartupError(
      `vigil cannot start: ${ENV.tableName} ${show(name)} is not a DynamoDB table name (3 to 255 letters, digits, _ - .); set it to the table the Vigil construct created`,
    );
  }
  return name;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * The SNS topic vigil notifies (findings, approval requests, alarms), from `VIGIL_TOPIC_ARN`. Throws a
 * StartupError that shows the bad value.
 */
export function readTopicArn(env: Readonly<Record<string, string | undefined>>): string {
  const topicArn = env[ENV.topicArn];
  if (topicArn === undefined || !TOPIC_ARN.test(topicArn)) {
    throw new StartupError(
      `vigil cannot start: ${ENV.topicArn} ${topicArn === undefined ? "is not set" : `${show(topicArn)} is not an SNS topic ARN`}; the Vigil construct sets it to its notification topic: redeploy the stack`,
    );
  }
  return topicArn;
}

const FIFO_QUEUE_URL = /^https?:\/\/[^/\s]+\/\d{12}\/[A-Za-z0-9_-]{1,75}\.fifo$/;

/**
 * The actions queue (SQS FIFO) decided playbooks are queued on for the execute function, from
 * `VIGIL_ACTIONS_QUEUE_URL`. Throws a StartupError that shows the bad value.
 */
export function readActionsQueueUrl(env: Readonly<Record<string, string | undefined>>): string {
  const url = env[ENV.actionsQueueUrl];
  if (url === undefined || !FIFO_QUEUE_URL.test(url)) {
    throw new StartupError(
      `vigil cannot start: ${ENV.actionsQueueUrl} ${url === undefined ? "is not set" : `${show(url)} is not the URL of an SQS FIFO queue (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.fifo)`}; the Vigil construct sets it to its actions queue: redeploy the stack`,
    );
  }
  return url;
}
