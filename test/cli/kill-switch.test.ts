import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";

describe("vigil kill-switch", () => {
  it("switches on with a reason, reports it, switches off, and records both with who and why", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "vigil-kill-"));
    const now = Date.parse("2026-03-10T12:00:00Z");
    expect((await runCli(["kill-switch", "status"], { cwd, now })).stdout).toBe(
      "kill switch: off — playbooks may act\n",
    );
    const on = await runCli(["kill-switch", "on", "--reason", "incident 4711", "--by", "alice"], {
      cwd,
      now,
    });
    expect(on).toMatchObject({
      code: 0,
      stdout: "kill switch: ON — no playbook step will act until 'vigil kill-switch off'\n",
    });
    expect((await runCli(["kill-switch", "status"], { cwd, now })).stdout).toBe(
      "kill switch: ON since 2026-03-10T12:00:00.000Z — incident 4711\n",
    );
    await runCli(["kill-switch", "off", "--by", "bob"], { cwd, now: now + 60_000 });
    const records = JSON.parse((await runCli(["records", "list", "--json"], { cwd, now })).stdout) as Array<{
      action: string;
      actor: { id: string };
      reason: string;
    }>;
    expect(records.map((r) => [r.action, r.actor.id, r.reason])).toEqual([
      ["kill-switch-set", "alice", "incident 4711"],
      ["kill-switch-cleared", "bob", "cleared"],
    ]);
  });

  it.each([
    [
      ["kill-switch"],
      'vigil: kill-switch needs one of on, off or status, got ""; e.g. vigil kill-switch on --reason "incident 4711"\n',
    ],
    [
      ["kill-switch", "on"],
      'vigil: kill-switch on needs --reason TEXT saying why, e.g. --reason "incident 4711: responder misbehaving"\n',
    ],
  ])("vigil %j explains what is missing", async (argv, message) => {
    const { code, stderr } = await runCli(argv, { cwd: mkdtempSync(join(tmpdir(), "vigil-kill-")) });
    expect(code).toBe(2);
    expect(stderr).toBe(message);
  });
});
