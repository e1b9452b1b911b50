import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  GetRolePolicyCommand,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { AwsIamGateway } from "../../../shared/adapters/aws-iam-gateway.ts";
import { AwsSecretsGateway } from "../../../shared/adapters/aws-secrets-gateway.ts";
import { SnsNotifier } from "../../../shared/adapters/aws-sns-notifier.ts";
import { SqlitePlaybookRunStore } from "../../../shared/adapters/sqlite-playbook-runs.ts";
import type { CredentialRef } from "../../../shared/domain/event.ts";
import { planPlaybook } from "../../../shared/domain/playbooks/catalog.ts";
import { type ExecutorDeps, runPlaybook, undoRun } from "../../../shared/domain/playbooks/executor.ts";
import { configOf } from "../../support/context.ts";
import { awsClients } from "../support/moto.ts";
import { seedRole, seedSecret, seedTopic, seedUser } from "../support/seed.ts";
import { roleState, userState } from "../support/state.ts";

const clients = awsClients();
const { iam } = clients;
const AT = Date.parse("2026-03-10T12:00:00Z");

async function deps(): Promise<ExecutorDeps> {
  let n = 0;
  return {
    iam: new AwsIamGateway(clients.iam),
    secrets: new AwsSecretsGateway(clients.secrets),
    notifier: new SnsNotifier(clients.sns, await seedTopic(clients.sns)),
    store: new SqlitePlaybookRunStore(join(mkdtempSync(join(tmpdir(), "vigil-it-")), "vigil.db")),
    clock: { now: () => AT },
    newId: () => `0b7c9e52-1d2f-4a6b-8c3d-${String(++n).padStart(12, "0")}`,
    sleep: async () => {},
    random: () => 0.5,
    guards: { config: configOf() },
  };
}

function run(playbook: string, credential: CredentialRef, principalArn: string, d: ExecutorDeps) {
  const plan = planPlaybook(playbook, { credential, principalArn, at: AT });
  return runPlaybook(
    { playbook: plan, principalArn, credential, reason: "critical: credential-exfiltration" },
    d,
  );
}

describe("playbooks against moto, with the SQLite run store", () => {
  it("deactivate-access-key: the key goes Inactive; undo makes it Active again", async () => {
    const user = await seedUser(iam);
    const original = await userState(iam, user.name);
    const d = await deps();
    const done = await run(
      "deactivate-access-key",
      { kind: "access-key", id: user.accessKeyId },
      user.arn,
      d,
    );
    expect(done.status).toBe("completed");
    expect((await userState(iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    const undone = await undoRun(done.id, d);
    expect(undone.steps.map((s) => s.undo?.status)).toEqual(["undone", "irreversible"]);
    expect(await userState(iam, user.name)).toEqual(original);
  });

  it("revoke-sessions: the role gets the revocation policy with the plan's cutoff; undo removes it", async () => {
    const role = await seedRole(iam);
    const original = await roleState(iam, role.name);
    const d = await deps();
    const done = await run("revoke-sessions", { kind: "role-session", id: role.arn }, role.arn, d);
    expect(done.status).toBe("completed");
    const { PolicyDocument } = await iam.send(
      new GetRolePolicyCommand({ RoleName: role.name, PolicyName: "vigil-revoke-sessions" }),
    );
    expect(decodeURIComponent(PolicyDocument!)).toContain('"aws:TokenIssueTime":"2026-03-10T12:00:00.000Z"');
    await undoRun(done.id, d);
    expect(await roleState(iam, role.name)).toEqual(original);
  });

  it("quarantine-role: revocation, deny-all and tags; undo brings the role back exactly", async () => {
    const role = await seedRole(iam);
    const original = await roleState(iam, role.name);
    const d = await deps();
    const done = await run("quarantine-role", { kind: "role-session", id: role.arn }, role.arn, d);
    const contained = await roleState(iam, role.name);
    expect(contained.inline).toEqual(["app-read", "vigil-quarantine", "vigil-revoke-sessions"]);
    expect(contained.tags["vigil:quarantined"]).toBe("2026-03-10T12:00:00.000Z");
    expect(contained.tags["vigil:quarantine-reason"]).toMatch(/credential-exfiltration/);
    const again = await run("quarantine-role", { kind: "role-session", id: role.arn }, role.arn, d);
    expect(again.steps.map((s) => s.status)).toEqual(["already-done", "already-done", "applied"]);
    await undoRun(done.id, d);
    expect(await roleState(iam, role.name)).toEqual(original);
  });

  it("quarantine-user: the key is deactivated and the user quarantined; undo restores both", async () => {
    const user = await seedUser(iam);
    const original = await userState(iam, user.name);
    const d = await deps();
    const done = await run("quarantine-user", { kind: "access-key", id: user.accessKeyId }, user.arn, d);
    const contained = await userState(iam, user.name);
    expect(contained.keys).toEqual([[user.accessKeyId, "Inactive"]]);
    expect(contained.inline).toEqual(["vigil-quarantine"]);
    await undoRun(done.id, d);
    expect(await userState(iam, user.name)).toEqual(original);
  });

  it("detach-policies: every managed policy detached and recorded; undo re-attaches exactly those", async () => {
    const role = await seedRole(iam);
    const original = await roleState(iam, role.name);
    const d = await deps();
    const done = await run("detach-policies", { kind: "role-session", id: role.arn }, role.arn, d);
    expect((await roleState(iam, role.name)).attached).toEqual([]);
    expect(done.steps[0]?.result?.after).toMatchObject({ detached: [{ arn: role.managedPolicyArn }] });
    await undoRun(done.id, d);
    expect(await roleState(iam, role.name)).toEqual(original);
  });

  it("rotate-secret: a new AWSCURRENT, AWSPREVIOUS reported as still valid; undo says it cannot", async () => {
    const secret = await seedSecret(clients.secrets);
    const before = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secret.name }));
    const d = await deps();
    const done = await run(
      "rotate-secret",
      { kind: "secret", id: secret.name },
      "arn:aws:iam::123456789012:role/orders-api",
      d,
    );
    expect(done.status).toBe("completed");
    const after = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secret.name }));
    const current = (v: typeof after) =>
      Object.entries(v.VersionIdsToStages ?? {}).find(([, s]) => s.includes("AWSCURRENT"))?.[0];
    expect(current(after)).not.toBe(current(before));
    expect(after.VersionIdsToStages?.[current(before)!]).toEqual(["AWSPREVIOUS"]);
    expect(done.steps[0]?.result?.notes.join(" ")).toMatch(/AWSPREVIOUS.*stays valid/);
    const undone = await undoRun(done.id, d);
    expect(undone.steps[0]?.undo?.status).toBe("irreversible");
    expect(undone.steps[0]?.undo?.reason).toMatch(/cannot be rolled back/);
  });

  it("records a user deleted before the run as not found and still notifies", async () => {
    const user = await seedUser(iam);
    await iam.send(new DeleteAccessKeyCommand({ UserName: user.name, AccessKeyId: user.accessKeyId }));
    await iam.send(new DetachUserPolicyCommand({ UserName: user.name, PolicyArn: user.managedPolicyArn }));
    await iam.send(new DeleteUserCommand({ UserName: user.name }));
    expect(
      await iam.send(new ListAccessKeysCommand({ UserName: user.name })).then(
        () => "exists",
        (e: Error) => e.name,
      ),
    ).toBe("NoSuchEntityException");
    const d = await deps();
    const done = await run(
      "deactivate-access-key",
      { kind: "access-key", id: user.accessKeyId },
      user.arn,
      d,
    );
    expect(done.steps.map((s) => s.status)).toEqual(["not-found", "applied"]);
    expect(done.status).toBe("completed");
  });
});
