import { readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError, compileConfig, type VigilConfig } from "../domain/config/compile.ts";
import { PLAYBOOK_IDS } from "../domain/playbooks/catalog.ts";

/**
 * Reads a vigil config file (YAML or JSON; YAML is a superset, so one parser reads both) and compiles
 * it. Every problem — a missing file, a syntax error with its line, an invalid field — is a ConfigError
 * naming the file.
 */
export function loadConfigFile(path: string): VigilConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (error as Error).message})`;
    throw new ConfigError(path, [
      `the config file ${why}; pass an existing file with --config PATH (the format is in the README)`,
    ]);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : "somewhere";
      throw new ConfigError(path, [`not valid YAML or JSON at ${where}: ${error.message.split("\n")[0]}`]);
    }
    throw error;
  }
  return compileConfig(value, path, PLAYBOOK_IDS);
}

/** The config of a run with no config file: no profiles, default policy and learning. */
export function emptyConfig(): VigilConfig {
  return compileConfig({}, "(no config)", PLAYBOOK_IDS);
}
