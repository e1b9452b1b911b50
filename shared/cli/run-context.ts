import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { emptyConfig, loadConfigFile } from "../adapters/config-file.ts";
import { readRecords } from "../adapters/file-records.ts";
import { loadIamSnapshot } from "../adapters/iam-snapshot-privilege.ts";
import { SqliteRunStore } from "../adapters/sqlite-store.ts";
import type { VigilConfig } from "../domain/config/compile.ts";
import type { Progress } from "../domain/pipeline/replay.ts";
import type { PrivilegeSource } from "../ports/privilege-source.ts";
import type { SourceItem } from "../ports/record-source.ts";
import { nullRunStore, type RunStore } from "../ports/run-store.ts";
import { type CliIo, type OptionValues, stringOption } from "./command.ts";
import { UsageError } from "./usage.ts";

/** Where the embedded store lives unless --store says otherwise. */
export const DEFAULT_STORE = ".vigil/vigil.db";

/** The options every command that reads the config or the store accepts. */
export const STORE_OPTIONS = {
  config: { type: "string" },
  store: { type: "string" },
} as const;

/** Loads --config, else ./vigil.config.yaml (.yml, .json) when present, else an empty config (with a warning). */
export function configOf(values: OptionValues, io: CliIo): VigilConfig {
  const file = stringOption(values, "config");
  if (file !== undefined) return loadConfigFile(resolve(io.cwd, file));
  for (const name of ["vigil.config.yaml", "vigil.config.yml", "vigil.config.json"]) {
    const path = resolve(io.cwd, name);
    if (existsSync(path)) return loadConfigFile(path);
  }
  io.stderr.write(
    "vigil: no config file (--config FILE, or vigil.config.yaml here): no profiles are declared, only learned and universal detections run\n",
  );
  return emptyConfig();
}

/** The path of the embedded store: --store, else .vigil/vigil.db under the working directory. */
export function storePath(values: OptionValues, io: CliIo): string {
  return resolve(io.cwd, stringOption(values, "store") ?? DEFAULT_STORE);
}

/** Opens the run store, or none with --memory (which excludes --store). */
export function runStoreOf(values: OptionValues, io: CliIo): RunStore {
  if (values.memory === true) return nullRunStore;
  return new SqliteRunStore(storePath(values, io));
}

/** Rejects --memory together with --store before anything is read. */
export function checkStoreFlags(values: OptionValues): void {
  if (values.memory === true && values.store !== undefined) {
    throw new UsageError("--memory and --store exclude each other; choose one");
  }
}

/** Loads --iam-snapshot (the JSON of `aws iam get-account-authorization-details`), if given. */
export function privilegeOf(values: OptionValues, io: CliIo): PrivilegeSource | undefined {
  const file = stringOption(values, "iam-snapshot");
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(
      `--iam-snapshot ${file} cannot be read (${(error as NodeJS.ErrnoException).code}); give the JSON file written by 'aws iam get-account-authorization-details'`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--iam-snapshot ${file} is not JSON (${(error as Error).message.replace(/\s+/g, " ")}); give the output of 'aws iam get-account-authorization-details'`,
    );
  }
  return loadIamSnapshot(json, file);
}

/** Reads a whole-number option within 1..max, or its default. */
export function positiveInt(values: OptionValues, name: string, fallback: number, max: number): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} ${JSON.stringify(text)} must be a whole number from 1 to ${max}`);
  }
  return n;
}

/** A one-line progress display on a terminal's stderr; nothing when stderr is not a terminal. */
export function progressReporter(io: CliIo, started: number): ((p: Progress) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  return (p) => {
    const seconds = Math.max(0.001, (io.clock.now() - started) / 1000);
    const rate = Math.round(p.records / seconds).toLocaleString("en-US");
    const line = `  ${p.records.toLocaleString("en-US")} records · ${rate}/s · ${p.findings.toLocaleString("en-US")} findings · ${p.rejected.toLocaleString("en-US")} rejected`;
    io.stderr.write(p.done ? `\r${" ".repeat(line.length)}\r` : `\r${line}`);
  };
}

/** The records of files, directories and `-` (standard input), paths relative to the working directory. */
export function itemsOf(paths: readonly string[], io: CliIo): AsyncIterable<SourceItem> {
  return readRecords(
    paths.map((p) => (p === "-" ? p : resolve(io.cwd, p))),
    { stdin: io.stdin, displayPath: (p: string) => (p === "-" ? "<stdin>" : p) },
  );
}
