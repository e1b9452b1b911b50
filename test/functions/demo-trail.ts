import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { loadConfigFile } from "../../shared/adapters/config-file.ts";
import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import type { CredentialUse } from "../../shared/domain/event.ts";
import { normalizeRecord } from "../../shared/domain/normalize/normalize.ts";

const DEMO = new URL("../../shared/demo/", import.meta.url);

/** The demo trail's CloudTrail records, in file order (a week of one account, five attacks woven in). */
export function demoRecords(): Record<string, unknown>[] {
  const text = gunzipSync(readFileSync(new URL("trail.json.gz", DEMO))).toString("utf8");
  return (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records;
}

/** The demo trail's credential uses (records vigil analyzes), in file order. */
export function demoUses(): CredentialUse[] {
  const uses: CredentialUse[] = [];
  for (const [index, record] of demoRecords().entries()) {
    const result = normalizeRecord(record, { file: "trail.json.gz", line: index + 2, index });
    if (result.kind === "use") uses.push(result.use);
  }
  return uses;
}

/** The demo configuration. */
export function demoConfig(): VigilConfig {
  return loadConfigFile(new URL("vigil.config.yaml", DEMO).pathname);
}
