import { type FunctionSettings, readFunctionSettings, readTableName } from "../common/function-config.ts";

/** What the ingest function reads once per cold start. */
export interface IngestSettings extends FunctionSettings {
  /** vigil's DynamoDB table: baselines, findings, exposures, processed events. */
  readonly tableName: string;
}

/**
 * The ingest function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`): the common settings and the table name (the
 * bucket of each file comes with its notification). Throws a StartupError naming a bad setting.
 */
export function loadIngestSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): IngestSettings {
  return { ...readFunctionSettings(env, baseDir), tableName: readTableName(env) };
}
