import { main } from "../../shared/cli/main.ts";

/** Runs the CLI in-process with captured output, as a user would from a shell in `cwd`. */
export async function runCli(
  argv: string[],
  options: { cwd: string; stdin?: string; now?: number; tty?: boolean },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t), isTTY: options.tty ?? false },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.tty ?? false },
    stdin: (async function* () {
      if (options.stdin !== undefined) yield Buffer.from(options.stdin);
    })(),
    env: {},
    cwd: options.cwd,
    clock: { now: () => options.now ?? Date.parse("2026-03-10T12:00:00Z") },
  });
  return { code, stdout, stderr };
}
