import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openConsole } from "../../shared/cli/commands/console.ts";
import type { CliIo } from "../../shared/cli/main.ts";
import { SEEDED_AT, seedConsoleStore } from "../support/console-store.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function io(cwd: string): CliIo & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    stdout: { write: () => true },
    stderr: { write: (t: string) => err.push(t) },
    stdin: (async function* () {})(),
    env: { USER: "alice" },
    cwd,
    clock: { now: () => SEEDED_AT },
  };
}

describe("vigil console", () => {
  it("serves the store on 127.0.0.1 with its approvals and exceptions pages, deciding as $USER", async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-console-cli-"));
    await seedConsoleStore(join(dir, "vigil.db"));
    const { running, close } = await openConsole({ store: "vigil.db", port: "0" }, io(dir));
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const approvals = await (await fetch(`${running.url}/approvals`)).text();
      expect(approvals).toContain("You decide as <strong>alice</strong>");
      expect(await (await fetch(`${running.url}/exceptions`)).text()).toContain("Hours (at most");
    } finally {
      await close();
    }
  });

  it("refuses an address other than loopback, and a store that does not exist", async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-console-cli-"));
    await expect(openConsole({ host: "0.0.0.0", store: "vigil.db" }, io(dir))).rejects.toThrow(
      /not a loopback address; the local console has no sign-in/,
    );
    await expect(openConsole({ store: "missing.db", port: "0" }, io(dir))).rejects.toThrow(/no store at/);
    await expect(openConsole({ port: "http" }, io(dir))).rejects.toThrow(/must be a port number/);
  });
});
