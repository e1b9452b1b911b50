import { VigilError } from "../domain/errors.ts";
import type { Command } from "./command.ts";

/** The command line was wrong; the message says how to write it. Exit code 2. */
export class UsageError extends VigilError {
  override name = "UsageError";
}

/** The help text, built from the registered commands. */
export function usage(commands: readonly Command[]): string {
  return [
    "vigil — watch how AWS machine credentials are used, score the exposure, plan containment",
    "",
    ...commands.map((c) => c.help),
    "Everywhere: vigil help | vigil --version. Exit codes: 0 done, 1 failed, 2 bad usage.",
    "",
  ].join("\n");
}
