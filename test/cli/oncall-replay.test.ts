import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { userKeyRecord } from "../support/records.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const USER = "arn:aws:iam::111122223333:user/svc-ci";

/**
 * A key used from its declared network to stop CloudTrail: high with this profile (needs-approval).
 * From an undeclared network it would be critical: logging off by a credential off its profile.
 */
function workspace(criticality: "low") {
  const cwd = mkdtempSync(join(tmpdir(), "vigil-oncall-replay-"));
  writeFileSync(
    join(cwd, "vigil.config.yaml"),
    `profiles:\n  - id: ci\n    match: { accessKeys: [AKIAEXAMPLE000000001] }\n    sources: ["203.0.113.0/24"]\n    criticality: ${criticality}\n    privilege: read-only\napprovals: { approvers: [alice], ttlMinutes: 30 }\n`,
  );
  const record = userKeyRecord({
    sourceIPAddress: "203.0.113.23",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    requestParameters: { name: "org-trail" },
  });
  writeFileSync(join(cwd, "t.json"), JSON.stringify({ Records: [record] }));
  return cwd;
}

async function recordsOf(cwd: string) {
  const listed = await runCli(["records", "list", "--json"], { cwd, now: T0 });
  return JSON.parse(listed.stdout) as Array<{ action: string; change: Record<string, unknown> }>;
}

describe("vigil replay with on-call approvals and exceptions", () => {
  it("opens an approval request for a needs-approval exposure, which an approver can then deny", async () => {
    const cwd = workspace("low");
    const replay = await runCli(["replay", "t.json", "--json"], { cwd, now: T0 });
    expect(replay.code).toBe(0);
    const exposure = (JSON.parse(replay.stdout) as { exposures: Array<{ decision: string }> }).exposures[0];
    expect(exposure?.decision).toBe("needs-approval");
    expect(replay.stderr).toContain(
      "vigil: notification (no --notify-topic): vigil: approval needed: deactivate-access-key",
    );
    const listed = await runCli(["approvals", "list"], { cwd, now: T0 });
    const id = /^(apr-\w+)/.exec(listed.stdout)?.[1];
    expect(id).toBeDefined();
    const denied = await runCli(["approvals", "deny", id!, "--by", "alice", "--reason", "pen test"], {
      cwd,
      now: T0,
    });
    expect(denied.code).toBe(0);
    expect((await recordsOf(cwd)).map((r) => r.action)).toEqual([
      "finding-decided",
      "approval-requested",
      "approval-decided",
    ]);
  });

  it("suppresses the decision under an exception and records its use; at the expiry instant it decides again", async () => {
    const cwd = workspace("low");
    // A first replay, before the exception, makes the store and decides needs-approval.
    await runCli(["replay", "t.json"], { cwd, now: T0 - 1000 });
    const granted = await runCli(
      [
        "exceptions",
        "grant",
        "--principal",
        USER,
        "--hours",
        "1",
        "--reason",
        "red team exercise",
        "--by",
        "alice",
      ],
      { cwd, now: T0 },
    );
    expect(granted.code).toBe(0);
    const under = await runCli(["replay", "t.json", "--json"], { cwd, now: T0 + 3_599_000 });
    const decided = (JSON.parse(under.stdout) as { exposures: Array<{ decision: string }> }).exposures[0];
    expect(decided?.decision).toBe("suppressed-by-exception");
    expect((await recordsOf(cwd)).map((r) => r.action).slice(-3)).toEqual([
      "exception-granted",
      "finding-decided",
      "exception-used",
    ]);
    const after = await runCli(["replay", "t.json", "--json"], { cwd, now: T0 + 3_600_000 });
    expect(
      (JSON.parse(after.stdout) as { exposures: Array<{ decision: string }> }).exposures[0]?.decision,
    ).toBe("needs-approval");
  });
});
