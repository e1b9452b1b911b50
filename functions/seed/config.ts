import { type FunctionSettings, readFunctionSettings, readTableName } from "../common/function-config.ts";

/** What the seed function reads once per cold start. */
export interface SeedSettings extends FunctionSettings {
  /** vigil's DynamoDB table, where the evaluate function reads its baselines. */
  readonly tableName: string;
  /** The function's Region (`AWS_REGION`, set by Lambda): the Region whose event history is read. */
  readonly region: string | undefined;
}

/**
 * The seed function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`): the common settings (the profiles learning depends
 * on) and the table name. Throws a StartupError naming the setting when one is missing or wrong.
 */
export function loadSeedSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): SeedSettings {
  return { ...readFunctionSettings(env, baseDir), tableName: readTableName(env), region: env.AWS_REGION };
}
