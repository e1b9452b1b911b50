import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { executorOf } from "../../shared/cli/apply.ts";
import type { CliIo } from "../../shared/cli/command.ts";
import { approvalsCommand } from "../../shared/cli/commands/approvals.ts";
import { exceptionsCommand } from "../../shared/cli/commands/exceptions.ts";
import { newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { collect } from "../../shared/domain/collect.ts";
import { verifyChain } from "../../shared/domain/ledger/chain.ts";
import { planPlaybook } from "../../shared/domain/playbooks/catalog.ts";
import { runPlaybook } from "../../shared/domain/playbooks/executor.ts";
import { runCommand } from "../support/command.ts";
import { configOf } from "../support/context.ts";
import { exposureOf } from "../support/oncall.ts";
import { awsClients, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";
import { seedRole, seedUser } from "./support/seed.ts";
import { roleState, userState } from "./support/state.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const ENV = { AWS_REGION: TEST_REGION };

beforeAll(() => {
  // The CLI uses the default credential chain: fake credentials only, and every client gets --endpoint.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});

function ioAt(cwd: string, now: number): CliIo {
  return {
    stdout: { write: () => true },
    stderr: { write: () => true },
    stdin: (async function* () {})(),
    env: ENV,
    cwd,
    clock: { now: () => now },
  };
}

async function records(store: string) {
  const ledger = new SqliteLedger(store);
  const all = await collect(ledger.read());
  const verdict = await verifyChain(() => ledger.stored());
  ledger.close();
  return { all, intact: verdict.intact };
}

describe("vigil approvals approve against moto", () => {
  it("runs the approved playbook through the executor and records the decision and its steps", async () => {
    const { iam, endpoint } = awsClients();
    const user = await seedUser(iam);
    const cwd = mkdtempSync(join(tmpdir(), "vigil-approve-"));
    const store = join(cwd, ".vigil/vigil.db");
    const credential = { kind: "access-key" as const, id: user.accessKeyId };
    const approvals = new SqliteApprovalStore(store);
    await approvals.open(
      newApprovalRequest(
        exposureOf({
          decision: "needs-approval",
          credential,
          principal: user.arn,
          playbook: planPlaybook("deactivate-access-key", { credential, principalArn: user.arn, at: T0 }),
        }),
        configOf().approvals,
        T0,
        "apr-1",
      ),
      T0,
    );
    approvals.close();
    const approved = await runCommand(
      approvalsCommand,
      [
        "approve",
        "apr-1",
        "--by",
        "alice",
        "--reason",
        "owner confirmed the key leaked",
        "--endpoint",
        endpoint,
      ],
      { cwd, now: T0 + 60_000, env: ENV },
    );
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("request apr-1 approved by alice");
    expect(approved.stdout).toContain(`deactivate-access-key ${user.accessKeyId}: applied`);
    expect((await userState(iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    const { all, intact } = await records(store);
    expect(all.map((r) => [r.action, r.actor.id])).toEqual([
      ["approval-decided", "alice"],
      ["playbook-step", "vigil"],
      ["playbook-step", "vigil"],
    ]);
    expect(intact).toBe(true);
  });
});

describe("vigil exceptions lift-quarantine and sweep against moto", () => {
  it("lifts a role's quarantine, keeps it off until the lift expires, and the sweep puts the deny policy back", async () => {
    const { iam, endpoint } = awsClients();
    const role = await seedRole(iam);
    const cwd = mkdtempSync(join(tmpdir(), "vigil-lift-"));
    const store = join(cwd, ".vigil/vigil.db");
    const original = await roleState(iam, role.name);

    // vigil quarantines the role (as replay --apply or an approval would).
    const credential = { kind: "role-session" as const, id: role.arn };
    const { deps, close } = executorOf({ endpoint, yes: false, storePath: store }, configOf(), ioAt(cwd, T0));
    const run = await runPlaybook(
      {
        playbook: planPlaybook("quarantine-role", { credential, principalArn: role.arn, at: T0 }),
        principalArn: role.arn,
        credential,
        reason: "credential-exfiltration",
      },
      deps,
    );
    close();
    expect(run.status).toBe("completed");
    const quarantined = await roleState(iam, role.name);
    expect(quarantined.inline).toContain("vigil-quarantine");
    expect(quarantined.tags["vigil:quarantined"]).toBeDefined();

    const liftAt = T0 + 60_000;
    const lifted = await runCommand(
      exceptionsCommand,
      [
        "lift-quarantine",
        "--principal",
        role.arn,
        "--hours",
        "1",
        "--reason",
        "orders must be restored by hand",
        "--by",
        "alice",
        "--endpoint",
        endpoint,
      ],
      { cwd, now: liftAt, env: ENV },
    );
    expect(lifted.code).toBe(0);
    expect(lifted.stdout).toContain(`quarantine of ${role.arn} lifted by exc-`);
    // Only the quarantine is lifted: new sessions work again; the revocation of the old ones stays.
    const liftedState = { ...original, inline: [...original.inline, "vigil-revoke-sessions"].sort() };
    expect(await roleState(iam, role.name)).toEqual(liftedState);

    const sweep = (now: number) =>
      runCommand(exceptionsCommand, ["sweep", "--endpoint", endpoint], { cwd, now, env: ENV });
    const early = await sweep(liftAt + HOUR - 1000);
    expect(early.stdout).toBe("nothing was due\n");
    expect(await roleState(iam, role.name)).toEqual(liftedState);

    const due = await sweep(liftAt + HOUR);
    expect(due.code).toBe(0);
    expect(due.stdout).toContain(`quarantine of ${role.arn} put back`);
    const back = await roleState(iam, role.name);
    expect(back.inline).toContain("vigil-quarantine");
    const { PolicyDocument } = await iam.send(
      new GetRolePolicyCommand({ RoleName: role.name, PolicyName: "vigil-quarantine" }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyDocument!)) as {
      Statement: Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }>;
    };
    expect(document.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "*", Resource: "*" }),
    );

    expect((await sweep(liftAt + HOUR + 1000)).stdout).toBe("nothing was due\n");
    const { all, intact } = await records(store);
    expect(all.map((r) => r.action)).toEqual([
      "quarantine-lifted",
      "exception-expired",
      "playbook-step",
      "quarantine-reapplied",
    ]);
    expect(all[0]).toMatchObject({
      actor: { kind: "human", id: "alice" },
      subject: { kind: "principal", id: role.arn },
    });
    expect(intact).toBe(true);
  });
});
