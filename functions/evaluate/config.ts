import { type FunctionSettings, readFunctionSettings } from "../common/function-config.ts";

/**
 * The evaluate function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`). It needs nothing beyond the common settings.
 * Throws a StartupError naming the setting when one is missing or wrong.
 */
export function loadEvaluateSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): FunctionSettings {
  return readFunctionSettings(env, baseDir);
}
