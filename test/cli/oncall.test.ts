import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import { approvalsCommand } from "../../shared/cli/commands/approvals.ts";
import { exceptionsCommand } from "../../shared/cli/commands/exceptions.ts";
import { newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { collect } from "../../shared/domain/collect.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { runCommand } from "../support/command.ts";
import { configOf } from "../support/context.ts";
import { exposureOf } from "../support/oncall.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const USER = "arn:aws:iam::111122223333:user/svc-ci";
const KEY = "AKIAEXAMPLE000000001";
/** Never contacted: no test here reaches AWS, the executor is only built. */
const NOWHERE = "http://127.0.0.1:9";

/** A working directory with a config (approvers, 30-minute requests, 4-hour exceptions) and a store. */
function workspace(exposures: readonly Exposure[] = []) {
  const cwd = mkdtempSync(join(tmpdir(), "vigil-oncall-"));
  writeFileSync(
    join(cwd, "vigil.config.yaml"),
    "approvals: { approvers: [alice, bob], ttlMinutes: 30 }\nexceptions: { maxHours: 4 }\n",
  );
  const store = join(cwd, ".vigil/vigil.db");
  const runs = new SqliteRunStore(store);
  const runId = runs.beginRun("replay", ["t.json"], T0);
  runs.finishRun(runId, { records: 1, rejected: 0, findings: 1, exposures: exposures.length }, exposures, T0);
  runs.close();
  return { cwd, store };
}

async function openRequest(store: string, id = "apr-1"): Promise<void> {
  const config = configOf({ approvals: { approvers: ["alice", "bob"], ttlMinutes: 30 } });
  const approvals = new SqliteApprovalStore(store);
  await approvals.open(
    newApprovalRequest(exposureOf({ decision: "needs-approval" }), config.approvals, T0, id),
    T0,
  );
  approvals.close();
}

const approvals = (argv: string[], cwd: string, now = T0) => runCommand(approvalsCommand, argv, { cwd, now });
const exceptions = (argv: string[], cwd: string, now = T0) =>
  runCommand(exceptionsCommand, argv, { cwd, now });

async function actions(store: string): Promise<string[]> {
  const ledger = new SqliteLedger(store);
  const list = (await collect(ledger.read())).map((r) => r.action);
  ledger.close();
  return list;
}

describe("vigil approvals", () => {
  it("lists and shows a pending request with everything an approver needs", async () => {
    const { cwd, store } = workspace();
    await openRequest(store);
    const listed = await approvals(["list"], cwd);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      "apr-1  pending   expires 2026-03-10T12:30:00.000Z  approvals 0/1  Deactivate the access key",
    );
    expect(listed.stdout).toContain("1 pending request\n");
    const shown = await approvals(["show", "apr-1"], cwd);
    expect(shown.stdout).toContain(`  exposure:  access-key ${KEY} of ${USER}: high (70)`);
    expect(shown.stdout).toContain("    - unexpected-source: 203.0.113.9 is not among the profile's sources");
    expect(shown.stdout).toContain(
      `    1. deactivate-access-key ${KEY}: set access key ${KEY} of ${USER} to Inactive (reversible)`,
    );
    expect(shown.stdout).toContain("  approvers: alice, bob");
    const later = await approvals(["list"], cwd, T0 + 30 * 60_000);
    expect(later.stdout).toBe("0 pending requests\n");
    const all = await approvals(["list", "--all"], cwd, T0 + 30 * 60_000);
    expect(all.stdout).toContain("apr-1  expired (not yet swept)");
  });

  it("denies with a name and a reason, and refuses a second decision naming who decided", async () => {
    const { cwd, store } = workspace();
    await openRequest(store);
    const denied = await approvals(["deny", "apr-1", "--by", "bob", "--reason", "DR drill"], cwd);
    expect(denied).toMatchObject({ code: 0, stdout: "request apr-1 denied by bob; nothing was executed\n" });
    const again = await approvals(["deny", "apr-1", "--by", "alice", "--reason", "no"], cwd, T0 + 1000);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      "vigil: request apr-1 was already denied by bob at 2026-03-10T12:00:00.000Z (DR drill); your deny was not recorded\n",
    );
    expect(await actions(store)).toEqual(["approval-decided"]);
  });

  it("says clearly what is missing or wrong: reason, consent, id, approver, expiry", async () => {
    const { cwd, store } = workspace();
    await openRequest(store);
    expect(await approvals(["deny", "apr-1", "--by", "bob"], cwd)).toMatchObject({
      code: 2,
      stderr: "vigil: approvals deny needs --reason TEXT: why you deny it, for the records\n",
    });
    const noConsent = await approvals(["approve", "apr-1", "--by", "alice", "--reason", "ok"], cwd);
    expect(noConsent.code).toBe(2);
    expect(noConsent.stderr).toContain("add --yes to confirm, or --endpoint URL to act on an emulator");
    expect(
      (await approvals(["approve", "apr-9", "--by", "alice", "--reason", "ok", "--endpoint", NOWHERE], cwd))
        .stderr,
    ).toBe(
      "vigil: no approval request \"apr-9\" in the store; 'vigil approvals list' shows the ids (check --store)\n",
    );
    expect((await approvals(["deny", "apr-1", "--by", "mallory", "--reason", "no"], cwd)).stderr).toContain(
      '"mallory" may not decide request apr-1; its approvers are alice, bob',
    );
    const late = await approvals(
      ["approve", "apr-1", "--by", "alice", "--reason", "ok", "--endpoint", NOWHERE],
      cwd,
      T0 + 30 * 60_000,
    );
    expect(late.code).toBe(1);
    expect(late.stderr).toContain(
      "request apr-1 expired at 2026-03-10T12:30:00.000Z, before your approve at 2026-03-10T12:30:00.000Z; nothing was executed and it was sent again as request apr-",
    );
    expect(await actions(store)).toEqual(["approval-expired", "approval-requested"]);
    expect(await approvals(["list", "--by", "x"], cwd)).toMatchObject({ code: 2 });
    expect((await approvals([], cwd)).stderr).toContain(
      "use vigil approvals list, show, approve, deny or sweep",
    );
  });

  it("sweeps expired requests and sends them again", async () => {
    const { cwd, store } = workspace();
    await openRequest(store);
    expect((await approvals(["sweep"], cwd, T0 + 30 * 60_000 - 1000)).stdout).toBe("0 requests expired\n");
    const swept = await approvals(["sweep"], cwd, T0 + 30 * 60_000);
    expect(swept.stdout).toMatch(
      /^request apr-1 expired at 2026-03-10T12:30:00.000Z undecided; sent again as apr-\w+\n1 request expired\n$/,
    );
    expect(swept.stderr).toContain("approval still needed (apr-1 expired)");
  });
});

describe("vigil exceptions", () => {
  const grantArgs = [
    "grant",
    "--principal",
    USER,
    "--hours",
    "2",
    "--reason",
    "incident 4711",
    "--by",
    "alice",
  ];

  it("grants, lists and revokes, recording each", async () => {
    const { cwd, store } = workspace();
    const granted = await exceptions(grantArgs, cwd);
    expect(granted.code).toBe(0);
    const id = /exception (exc-\w+) granted/.exec(granted.stdout)?.[1];
    expect(granted.stdout).toContain(`acts on none of it until 2026-03-10T14:00:00.000Z`);
    const listed = await exceptions(["list"], cwd);
    expect(listed.stdout).toContain(`${id}  active   principal ${USER}  (every playbook)`);
    expect(listed.stdout).toContain(
      "granted by alice at 2026-03-10T12:00:00.000Z until 2026-03-10T14:00:00.000Z: incident 4711",
    );
    expect((await exceptions(["list"], cwd, T0 + 2 * 3_600_000)).stdout).toBe("0 active exceptions\n");
    const revoked = await exceptions(["revoke", id!, "--by", "bob", "--reason", "closed"], cwd, T0 + 60_000);
    expect(revoked.code).toBe(0);
    const again = await exceptions(["revoke", id!, "--by", "bob", "--reason", "closed"], cwd, T0 + 120_000);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain(
      `exception ${id} was revoked by bob at 2026-03-10T12:01:00.000Z; there is nothing to revoke`,
    );
    expect((await exceptions(["list", "--all"], cwd, T0 + 120_000)).stdout).toContain(`${id}  revoked`);
    expect(await actions(store)).toEqual(["exception-granted", "exception-revoked"]);
  });

  it("refuses durations over the maximum, missing reasons, two scopes and unknown ids", async () => {
    const { cwd, store } = workspace();
    const long = await exceptions(
      [...grantArgs.slice(0, 3), "--hours", "5", "--reason", "x", "--by", "alice"],
      cwd,
    );
    expect(long.code).toBe(1);
    expect(long.stderr).toContain(
      "a duration of 5 hours is longer than the 4 hours the configuration allows (exceptions.maxHours)",
    );
    expect(
      (await exceptions(["grant", "--principal", USER, "--hours", "1", "--by", "alice"], cwd)).stderr,
    ).toBe("vigil: exceptions grant needs --reason TEXT: why the exception is needed, for the records\n");
    expect(
      (await exceptions(["grant", "--principal", USER, "--hours", "soon", "--reason", "x", "--by", "a"], cwd))
        .stderr,
    ).toContain('--hours "soon" must be a positive number of hours');
    expect(
      (
        await exceptions(
          ["grant", "--principal", USER, "--credential", KEY, "--hours", "1", "--reason", "x", "--by", "a"],
          cwd,
        )
      ).stderr,
    ).toContain(
      "needs exactly one of --principal ARN, --credential ID or --pattern P, not --principal and --credential",
    );
    expect((await exceptions(["revoke", "exc-9", "--by", "bob", "--reason", "x"], cwd)).stderr).toContain(
      "no exception \"exc-9\" in the store; 'vigil exceptions list' shows the ids",
    );
    expect((await exceptions(["sweep"], cwd)).code).toBe(2);
    expect(await actions(store)).toEqual([]);
  });

  it("sweep decides again what an expired exception suppressed: needs-approval opens a request", async () => {
    const suppressed = exposureOf({
      decision: "suppressed-by-exception",
      decisionReason: "placeholder",
    });
    const { cwd, store } = workspace();
    const granted = await exceptions(grantArgs, cwd);
    const id = /exception (exc-\w+) granted/.exec(granted.stdout)![1]!;
    const runs = new SqliteRunStore(store);
    const runId = runs.beginRun("replay", ["t.json"], T0);
    runs.finishRun(
      runId,
      { records: 1, rejected: 0, findings: 1, exposures: 1 },
      [
        {
          ...suppressed,
          decisionReason: `suppressed by exception ${id} (principal ${USER}, …); without it: needs-approval: …`,
        },
      ],
      T0,
    );
    runs.close();
    const early = await exceptions(["sweep", "--endpoint", NOWHERE], cwd, T0 + 2 * 3_600_000 - 1000);
    expect(early.stdout).toBe("nothing was due\n");
    const due = await exceptions(["sweep", "--endpoint", NOWHERE], cwd, T0 + 2 * 3_600_000);
    expect(due.code).toBe(0);
    expect(due.stdout).toBe(
      `exception ${id} expired; 1 exposure decided again\n  - access-key ${KEY}: needs-approval\n`,
    );
    expect((await approvals(["list"], cwd, T0 + 2 * 3_600_000)).stdout).toContain(
      "approvals 0/1  Deactivate the access key",
    );
    expect(await actions(store)).toEqual([
      "exception-granted",
      "exception-expired",
      "finding-decided",
      "approval-requested",
    ]);
    expect((await exceptions(["sweep", "--endpoint", NOWHERE], cwd, T0 + 2 * 3_600_000 + 1000)).stdout).toBe(
      "nothing was due\n",
    );
  });
});
