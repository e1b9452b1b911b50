import { type DecidingSettings, readDecidingSettings } from "../common/deciding-config.ts";

/** What the ingest function reads once per cold start (see DecidingSettings). */
export type IngestSettings = DecidingSettings;

/**
 * The ingest function's settings, read once per cold start from its environment and the files the
 * Vigil construct bundles next to it (`baseDir`): the same as the evaluate function's, since it
 * decides and hands off the same way (the bucket of each file comes with its notification). Throws a
 * StartupError naming a bad setting.
 */
export function loadIngestSettings(
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): IngestSettings {
  return readDecidingSettings(env, baseDir);
}
