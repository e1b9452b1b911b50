import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { applyDecided } from "../../shared/cli/apply.ts";
import type { CliIo } from "../../shared/cli/command.ts";
import { undoCommand } from "../../shared/cli/commands/undo.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { planPlaybook } from "../../shared/domain/playbooks/catalog.ts";
import { runCli } from "../support/cli.ts";
import { configOf } from "../support/context.ts";
import { userKeyRecord } from "../support/records.ts";
import { awsClients, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";
import { seedUser } from "./support/seed.ts";
import { userState } from "./support/state.ts";

const AT = Date.parse("2026-03-10T12:00:00Z");

function cli(cwd: string) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: (async function* () {})(),
    env: { AWS_REGION: TEST_REGION },
    cwd,
    clock: { now: () => AT },
  };
  return { io, out: () => stdout, err: () => stderr };
}

function exposure(decision: Exposure["decision"], user: { arn: string; accessKeyId: string }): Exposure {
  const credential = { kind: "access-key" as const, id: user.accessKeyId };
  return {
    credential,
    principal: user.arn,
    score: 88,
    severity: "critical",
    signals: ["unexpected-source"],
    findings: 1,
    factors: [],
    reasons: [],
    firstSeen: "2026-03-10T11:00:00Z",
    lastSeen: "2026-03-10T11:00:00Z",
    decision,
    decisionReason: "critical reaches the auto band",
    playbook: planPlaybook("deactivate-access-key", { credential, principalArn: user.arn, at: AT }),
  };
}

beforeAll(() => {
  // The CLI uses the default credential chain: fake credentials only, and every client gets --endpoint.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});

describe("replay --apply and vigil undo against moto", () => {
  it("applies auto decisions only, prints each step, and undo restores the key", async () => {
    const { iam, endpoint } = awsClients();
    const cwd = mkdtempSync(join(tmpdir(), "vigil-cli-"));
    const store = join(cwd, "vigil.db");
    const auto = await seedUser(iam);
    const waiting = await seedUser(iam);
    const originals = await Promise.all([auto, waiting].map((u) => userState(iam, u.name)));
    const { io, out } = cli(cwd);
    const runs = await applyDecided(
      [exposure("auto", auto), exposure("needs-approval", waiting)],
      { endpoint, yes: false, storePath: store },
      configOf(),
      io,
    );
    expect(runs).toHaveLength(1);
    expect(out()).toContain(`deactivate-access-key ${auto.accessKeyId}: applied`);
    expect(out()).toContain(`undo: vigil undo ${runs[0]?.id}`);
    expect((await userState(iam, auto.name)).keys).toEqual([[auto.accessKeyId, "Inactive"]]);
    expect(await userState(iam, waiting.name)).toEqual(originals[1]);

    const undo = cli(cwd);
    const code = await undoCommand.run([runs[0]!.id], { endpoint, store }, undo.io);
    expect(code).toBe(0);
    expect(undo.out()).toMatch(/deactivate-access-key .*: undone/);
    expect(undo.out()).toMatch(/notify .*: cannot be undone: a published notification cannot be recalled/);
    expect(await userState(iam, auto.name)).toEqual(originals[0]);
  });
});

describe("vigil replay --apply, end to end through the command line", () => {
  it("contains the key of a critical exposure, records the run, and vigil undo restores it", async () => {
    const { iam, endpoint } = awsClients();
    const user = await seedUser(iam);
    const before = await userState(iam, user.name);
    const cwd = mkdtempSync(join(tmpdir(), "vigil-apply-"));
    writeFileSync(
      join(cwd, "vigil.config.yaml"),
      `profiles:\n  - id: ci\n    match: { accessKeys: [${user.accessKeyId}] }\n    sources: ["203.0.113.0/24"]\n    criticality: critical\n    privilege: admin\n    playbook: deactivate-access-key\n`,
    );
    const stolen = userKeyRecord({
      userIdentity: {
        type: "IAMUser",
        arn: user.arn,
        accountId: "123456789012",
        accessKeyId: user.accessKeyId,
        userName: user.name,
      },
      sourceIPAddress: "198.51.100.23",
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "StopLogging",
      requestParameters: { name: "org-trail" },
    });
    writeFileSync(join(cwd, "t.json"), JSON.stringify({ Records: [stolen] }));

    const applied = await runCli(["replay", "t.json", "--apply", "--endpoint", endpoint], { cwd, now: AT });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`deactivate-access-key ${user.accessKeyId}: applied`);
    expect((await userState(iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    const runId = /vigil undo (\S+)/.exec(applied.stdout)?.[1];
    expect(runId).toBeDefined();

    const undone = await runCli(["undo", runId!, "--endpoint", endpoint, "--by", "alice"], { cwd, now: AT });
    expect(undone.code).toBe(0);
    expect(await userState(iam, user.name)).toEqual(before);

    // The decision, each step and each undo are in the verifiable records.
    const records = JSON.parse(
      (await runCli(["records", "list", "--json"], { cwd, now: AT })).stdout,
    ) as Array<{
      action: string;
      actor: { id: string };
      change: { step?: string; status?: string };
    }>;
    expect(records.map((r) => [r.action, r.actor.id, r.change.step, r.change.status])).toEqual([
      ["finding-decided", "vigil", undefined, undefined],
      ["playbook-step", "vigil", "deactivate-access-key", "applied"],
      ["playbook-step", "vigil", "notify", "applied"],
      ["undo-step", "alice", "notify", "irreversible"],
      ["undo-step", "alice", "deactivate-access-key", "undone"],
    ]);
    expect((await runCli(["records", "verify"], { cwd, now: AT })).code).toBe(0);
  });
});

describe("the kill switch, through the command line", () => {
  it("blocks every step of replay --apply while on, and lets them act once off", async () => {
    const { iam, endpoint } = awsClients();
    const user = await seedUser(iam);
    const cwd = mkdtempSync(join(tmpdir(), "vigil-kill-apply-"));
    writeFileSync(
      join(cwd, "vigil.config.yaml"),
      `profiles:\n  - id: ci\n    match: { accessKeys: [${user.accessKeyId}] }\n    sources: ["203.0.113.0/24"]\n    criticality: critical\n    privilege: admin\n`,
    );
    const stolen = userKeyRecord({
      userIdentity: {
        type: "IAMUser",
        arn: user.arn,
        accountId: "123456789012",
        accessKeyId: user.accessKeyId,
        userName: user.name,
      },
      sourceIPAddress: "198.51.100.23",
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "StopLogging",
    });
    writeFileSync(join(cwd, "t.json"), JSON.stringify({ Records: [stolen] }));
    await runCli(["kill-switch", "on", "--reason", "drill", "--by", "alice"], { cwd, now: AT });
    const blocked = await runCli(["replay", "t.json", "--apply", "--endpoint", endpoint], { cwd, now: AT });
    expect(blocked.stdout).toMatch(new RegExp(`deactivate-access-key ${user.accessKeyId}: blocked`));
    expect((await userState(iam, user.name)).keys).toEqual([[user.accessKeyId, "Active"]]);

    await runCli(["kill-switch", "off", "--by", "alice"], { cwd, now: AT });
    const applied = await runCli(["replay", "t.json", "--apply", "--endpoint", endpoint], {
      cwd,
      now: AT + 1_000,
    });
    expect(applied.stdout).toContain(`deactivate-access-key ${user.accessKeyId}: applied`);
    expect((await userState(iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
  });
});
