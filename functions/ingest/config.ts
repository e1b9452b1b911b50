import { type FunctionSettings, readFunctionSettings } from "../common/function-config.ts";

/**
 * The ingest function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`). It needs nothing beyond the common settings: the
 * bucket of each file comes with its notification. Throws a StartupError naming a bad setting.
 */
export function loadIngestSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): FunctionSettings {
  return readFunctionSettings(env, baseDir);
}
