import { type DecidingSettings, readDecidingSettings } from "../common/deciding-config.ts";

/** What the expiry function reads once per cold start (see DecidingSettings). */
export type ExpirySettings = DecidingSettings;

/**
 * The expiry function's settings, read once per cold start: the common ones (the config holds the
 * approval policy and the profiles re-decisions use), the table, the notification topic, the actions
 * queue and the optional approval links (renewed requests are announced with new links). Throws a
 * StartupError naming the setting when one is missing or wrong.
 */
export function loadExpirySettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): ExpirySettings {
  return readDecidingSettings(env, baseDir);
}
