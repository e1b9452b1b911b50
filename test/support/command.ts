import { parseArgs } from "node:util";
import type { CliIo, Command } from "../../shared/cli/command.ts";
import { UsageError } from "../../shared/cli/usage.ts";
import { VigilError } from "../../shared/domain/errors.ts";

/**
 * Runs one command in-process the way `vigil` runs it (parseArgs with the command's options; usage
 * errors exit 2, other vigil errors exit 1), for commands a test reaches before they are registered.
 */
export async function runCommand(
  command: Command,
  argv: string[],
  options: { cwd: string; now: number; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: (async function* () {})(),
    env: options.env ?? {},
    cwd: options.cwd,
    clock: { now: () => options.now },
  };
  try {
    const parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
    return { code: await command.run(parsed.positionals, parsed.values, io), stdout, stderr };
  } catch (error) {
    if (!(error instanceof VigilError)) throw error;
    stderr += `vigil: ${error.message}\n`;
    return { code: error instanceof UsageError ? 2 : 1, stdout, stderr };
  }
}
