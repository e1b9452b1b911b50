import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { VigilError } from "../domain/errors.ts";
import type { CliIo, Command } from "./command.ts";
import { approvalsCommand } from "./commands/approvals.ts";
import { consoleCommand } from "./commands/console.ts";
import { exceptionsCommand } from "./commands/exceptions.ts";
import { killSwitchCommand } from "./commands/kill-switch.ts";
import { learnCommand } from "./commands/learn.ts";
import { recordsCommand } from "./commands/records.ts";
import { replayCommand } from "./commands/replay.ts";
import { undoCommand } from "./commands/undo.ts";
import { UsageError, usage } from "./usage.ts";

export type { CliIo } from "./command.ts";

/** Every command, by name. */
export const COMMANDS: readonly Command[] = [
  replayCommand,
  learnCommand,
  recordsCommand,
  undoCommand,
  killSwitchCommand,
  approvalsCommand,
  exceptionsCommand,
  consoleCommand,
];

/** Runs the vigil CLI; returns the exit code (0 ok, 1 failed, 2 bad usage). Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === "--version") {
      io.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    if (first === undefined || first === "help" || first === "--help" || first === "-h") {
      io.stdout.write(usage(COMMANDS));
      return first === undefined ? 2 : 0;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (command === undefined) {
      throw new UsageError(
        `unknown command ${JSON.stringify(first)}; the commands are ${COMMANDS.map((c) => c.name).join(", ")} and help`,
      );
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(
        `${(error as Error).message}; run 'vigil help' for the options of ${command.name}`,
      );
    }
    return await command.run(parsed.positionals, parsed.values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`vigil: ${error.message}\n`);
      return 2;
    }
    if (error instanceof VigilError) {
      io.stderr.write(`vigil: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`vigil: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
