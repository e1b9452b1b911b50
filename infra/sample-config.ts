import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { ConfigInput } from "../shared/domain/config/schema.ts";

/** The demo configuration the CLI's `npm start` uses: four identities and two secrets of 111122223333. */
export const SAMPLE_CONFIG_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "shared",
  "demo",
  "vigil.config.yaml",
);

/**
 * The sample configuration as construct props (`new Vigil(stack, "Vigil", { ...sampleConfig() })`);
 * the Vigil construct validates it, so this only reads the YAML.
 */
export function sampleConfig(): ConfigInput {
  return parseYaml(readFileSync(SAMPLE_CONFIG_FILE, "utf8")) as ConfigInput;
}
