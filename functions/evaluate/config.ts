import { type DecidingSettings, readDecidingSettings } from "../common/deciding-config.ts";

/** What the evaluate function reads once per cold start (see DecidingSettings). */
export type EvaluateSettings = DecidingSettings;

/**
 * The evaluate function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`): the common settings, the table, the notification
 * topic, the actions queue and the optional approval links. Throws a StartupError naming the setting
 * when one is missing or wrong.
 */
export function loadEvaluateSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): EvaluateSettings {
  return readDecidingSettings(env, baseDir);
}
