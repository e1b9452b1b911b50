import type { ParseArgsConfig } from "node:util";
import type { Clock } from "../ports/clock.ts";

/** What the CLI touches of the process, injected so tests can run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly clock: Clock;
}

/** Parsed option values: strings, booleans, or lists of strings for `multiple` options. */
export type OptionValues = Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;

/**
 * One `vigil` command, registered under a stable name: its options (as `node:util` parseArgs spells
 * them), a line for the help text, and what it does. `run` returns the exit code.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Synopsis and options, as `vigil help` prints them. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  run(positionals: readonly string[], values: OptionValues, io: CliIo): Promise<number>;
}

/** Reads a string option; a boolean or list where a string belongs never reaches here (parseArgs checks). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}
