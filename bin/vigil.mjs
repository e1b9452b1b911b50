#!/usr/bin/env node
// The `vigil` command: runs the TypeScript CLI through tsx, so a checkout works right after `npm ci`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../shared/cli/main.ts");
const { systemClock } = await import("../shared/ports/clock.ts");
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  clock: systemClock,
});
