import { type FunctionSettings, readFunctionSettings, readTableName } from "../common/function-config.ts";

/** What the evaluate function reads once per cold start. */
export interface EvaluateSettings extends FunctionSettings {
  /** vigil's DynamoDB table: baselines, findings, exposures, processed events. */
  readonly tableName: string;
}

/**
 * The evaluate function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`): the common settings and the table name.
 * Throws a StartupError naming the setting when one is missing or wrong.
 */
export function loadEvaluateSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): EvaluateSettings {
  return { ...readFunctionSettings(env, baseDir), tableName: readTableName(env) };
}
