import { AttachRolePolicyCommand, GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { DescribeSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { AwsIamGateway } from "../../../shared/adapters/aws-iam-gateway.ts";
import { AwsSecretsGateway } from "../../../shared/adapters/aws-secrets-gateway.ts";
import { SnsNotifier } from "../../../shared/adapters/aws-sns-notifier.ts";
import {
  LimitExceededError,
  RotationInProgressError,
  RotationNotConfiguredError,
} from "../../../shared/domain/playbooks/errors.ts";
import { stepOf } from "../../../shared/domain/playbooks/steps/registry.ts";
import type { StepContext } from "../../../shared/domain/playbooks/steps/step.ts";
import { awsClients } from "../support/moto.ts";
import { seedRole, seedSecret, seedTopic, seedUser } from "../support/seed.ts";
import { roleState, userState } from "../support/state.ts";

const clients = awsClients();
const { iam } = clients;
const NOW = Date.parse("2026-03-10T12:00:00Z");

async function context(index = 0): Promise<StepContext> {
  return {
    iam: new AwsIamGateway(clients.iam),
    secrets: new AwsSecretsGateway(clients.secrets),
    notifier: new SnsNotifier(clients.sns, await seedTopic(clients.sns)),
    runId: "7b0c2a4e-0000-4000-8000-000000000001",
    index,
    now: NOW,
    principal: "arn:aws:iam::123456789012:role/app",
    reason: "critical: unexpected-source from 203.0.113.9",
    outcomes: [],
  };
}

describe("playbook steps against moto", () => {
  it("deactivate-access-key sets the key Inactive, does nothing the second time, and undo re-activates it", async () => {
    const user = await seedUser(iam);
    const original = await userState(iam, user.name);
    const ctx = await context();
    const step = stepOf("deactivate-access-key").prepare({
      accessKeyId: user.accessKeyId,
      userArn: user.arn,
    });
    const applied = await step.apply(ctx);
    expect(applied).toMatchObject({
      changed: true,
      before: { status: "Active" },
      after: { status: "Inactive" },
    });
    expect((await userState(iam, user.name)).keys).toEqual([[user.accessKeyId, "Inactive"]]);
    expect((await step.apply(ctx)).changed).toBe(false);
    await step.revert!(applied, ctx);
    expect(await userState(iam, user.name)).toEqual(original);
  });

  it("revoke-sessions puts the TokenIssueTime deny on the role, and undo removes it", async () => {
    const role = await seedRole(iam);
    const original = await roleState(iam, role.name);
    const ctx = await context();
    const step = stepOf("revoke-sessions").prepare({
      roleArn: role.arn,
      issuedBefore: "2026-03-10T12:00:00.000Z",
    });
    const applied = await step.apply(ctx);
    expect(applied.changed).toBe(true);
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: role.name, PolicyName: "vigil-revoke-sessions" }),
    );
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument!))).toMatchObject({
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-03-10T12:00:00.000Z" } },
        },
      ],
    });
    const earlier = stepOf("revoke-sessions").prepare({
      roleArn: role.arn,
      issuedBefore: "2026-03-09T00:00:00Z",
    });
    expect((await earlier.apply(ctx)).changed).toBe(false);
    await step.revert!(applied, ctx);
    expect(await roleState(iam, role.name)).toEqual(original);
  });

  it("quarantine-role denies everything and tags the role why and since when; undo restores it exactly", async () => {
    const role = await seedRole(iam);
    const original = await roleState(iam, role.name);
    const ctx = await context();
    const step = stepOf("quarantine-role").prepare({ roleArn: role.arn });
    const applied = await step.apply(ctx);
    const quarantined = await roleState(iam, role.name);
    expect(quarantined.inline).toEqual(["app-read", "vigil-quarantine"]);
    expect(quarantined.tags).toEqual({
      team: "orders",
      "vigil:quarantined": "2026-03-10T12:00:00.000Z",
      "vigil:quarantine-reason":
        "run 7b0c2a4e-0000-4000-8000-000000000001: critical: unexpected-source from 203.0.113.9",
    });
    expect((await step.apply(ctx)).changed).toBe(false);
    await step.revert!(applied, ctx);
    expect(await roleState(iam, role.name)).toEqual(original);
  });

  it("quarantine-user falls back to AWSDenyAll when the user's inline policies are full, and undo detaches it", async () => {
    const user = await seedUser(iam);
    const original = await userState(iam, user.name);
    const base = await context();
    // moto does not enforce the 2,048-character quota on a user's inline policies: the gateway refuses
    // the inline policy as IAM would, and everything else happens on moto.
    const real = new AwsIamGateway(clients.iam);
    const full = Object.assign(Object.create(real) as AwsIamGateway, {
      putInlinePolicy: () =>
        Promise.reject(
          new LimitExceededError(
            "PutUserPolicy",
            "LimitExceeded",
            "Maximum policy size of 2048 bytes exceeded",
          ),
        ),
    });
    const ctx = { ...base, iam: full };
    const step = stepOf("quarantine-user").prepare({ userArn: user.arn });
    const applied = await step.apply(ctx);
    const after = await userState(iam, user.name);
    expect(after.attached).toContain("arn:aws:iam::aws:policy/AWSDenyAll");
    expect(after.inline).toEqual([]);
    expect(after.tags).toHaveProperty(["vigil:quarantined"], "2026-03-10T12:00:00.000Z");
    expect(applied.notes.join(" ")).toMatch(/LimitExceeded/);
    await step.revert!(applied, ctx);
    expect(await userState(iam, user.name)).toEqual(original);
  });

  it("detach-policies detaches exactly the managed policies it records, keeps the AWS key quarantine, and undo re-attaches them", async () => {
    const role = await seedRole(iam);
    const quarantineArn = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: role.name,
        PolicyArn: quarantineArn,
      }),
    );
    const original = await roleState(iam, role.name);
    const ctx = await context();
    const step = stepOf("detach-policies").prepare({ principalArn: role.arn });
    const applied = await step.apply(ctx);
    expect((await roleState(iam, role.name)).attached).toEqual([quarantineArn]);
    expect(applied.after).toMatchObject({ detached: [{ arn: role.managedPolicyArn }] });
    await step.revert!(applied, ctx);
    expect(await roleState(iam, role.name)).toEqual(original);
  });

  it("rotate-secret starts one rotation, reports that AWSPREVIOUS stays valid, and cannot be undone", async () => {
    const secret = await seedSecret(clients.secrets);
    const ctx = await context(2);
    const step = stepOf("rotate-secret").prepare({ secretId: secret.name });
    expect(step.revert).toBeUndefined();
    const applied = await step.apply(ctx);
    expect(applied.notes.join(" ")).toMatch(/AWSPREVIOUS/);
    const described = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secret.name }));
    const token = "vigil-7b0c2a4e-0000-4000-8000-000000000001-2";
    expect(described.VersionIdsToStages?.[token]).toEqual(["AWSCURRENT"]);
    expect(Object.values(described.VersionIdsToStages ?? {})).toContainEqual(["AWSPREVIOUS"]);
    expect((await step.apply(ctx)).changed).toBe(false);
  });

  it("rotate-secret refuses a secret without rotation, and one with a rotation in progress, for a person to take over", async () => {
    const plain = await seedSecret(clients.secrets, { rotation: false });
    const ctx = await context();
    await expect(stepOf("rotate-secret").prepare({ secretId: plain.name }).apply(ctx)).rejects.toThrow(
      RotationNotConfiguredError,
    );
    const stuck = await seedSecret(clients.secrets);
    await clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: stuck.name,
        SecretString: "half-way",
        VersionStages: ["AWSPENDING"],
      }),
    );
    await expect(stepOf("rotate-secret").prepare({ secretId: stuck.name }).apply(ctx)).rejects.toThrow(
      RotationInProgressError,
    );
  });

  it("notify publishes to the SNS topic", async () => {
    const ctx = await context();
    const result = await stepOf("notify")
      .prepare({ credential: "access-key:AKIAEXAMPLE000000001" })
      .apply(ctx);
    expect(result.after).toMatchObject({ messageId: expect.stringMatching(/.+/) });
  });
});
