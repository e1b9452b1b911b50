import { describe, expect, it } from "vitest";
import {
  approverForms,
  approversFor,
  concreteApprovers,
  mayApprove,
  mayDecidePlaybook,
} from "../../../shared/domain/approvals/approvers.ts";
import { ConfigError, compileConfig } from "../../../shared/domain/config/compile.ts";
import type { ConfigInput } from "../../../shared/domain/config/schema.ts";
import { PLAYBOOK_IDS } from "../../../shared/domain/playbooks/catalog.ts";
import { configOf } from "../../support/context.ts";

const ONCALL_ROLE = "arn:aws:iam::*:role/oncall-*";
const ALICE_SESSION = "arn:aws:sts::111122223333:assumed-role/oncall-eu/alice";

const policyOf = (approvals: ConfigInput["approvals"]) => configOf({ approvals }).approvals;

function problems(approvals: unknown): string[] {
  try {
    compileConfig({ approvals }, "test-config", PLAYBOOK_IDS);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("approvals.playbooks in the config", () => {
  it("keeps a config without per-playbook approvers valid, with none compiled", () => {
    expect([...policyOf({ approvers: ["alice"] }).playbookApprovers]).toEqual([]);
    expect([...configOf({}).approvals.playbookApprovers]).toEqual([]);
  });

  it("compiles each playbook's approvers", () => {
    const policy = policyOf({ playbooks: { "quarantine-role": { approvers: ["alice", ONCALL_ROLE] } } });
    expect(policy.playbookApprovers.get("quarantine-role")?.map((p) => p.text)).toEqual([
      "alice",
      ONCALL_ROLE,
    ]);
  });

  it.each([
    [
      { playbooks: { nuke: { approvers: ["alice"] } } },
      'approvals.playbooks "nuke" is unknown; valid playbooks are deactivate-access-key, revoke-sessions, quarantine-role, quarantine-user, detach-policies, rotate-secret, notify',
    ],
    [
      { playbooks: { "quarantine-role": { approvers: [] } } },
      'approvals.playbooks.quarantine-role.approvers [] lists nobody; name at least one approver, or "*" for anyone who gives a name',
    ],
    [
      { playbooks: { "quarantine-role": { approvers: ["on call"] } } },
      'approvals.playbooks.quarantine-role.approvers[0] "on call" must be a name or a pattern such as alice or oncall-* (no spaces)',
    ],
    [
      { playbooks: { "quarantine-role": { approver: ["alice"] } } },
      'approvals.playbooks.quarantine-role has unknown field "approver"; check the spelling against the config format in the README',
    ],
  ])("rejects %j naming the field, the value and the fix", (approvals, message) => {
    expect(problems(approvals)).toContain(message);
  });
});

describe("approversFor", () => {
  const policy = policyOf({
    approvers: ["bob", "oncall-*"],
    playbooks: { "quarantine-role": { approvers: ["alice", ONCALL_ROLE] } },
  });

  it("gives a listed playbook its own approvers, in place of the general ones", () => {
    expect(approversFor(policy, "quarantine-role").map((p) => p.text)).toEqual(["alice", ONCALL_ROLE]);
  });

  it("falls back to approvals.approvers for a playbook that is not listed", () => {
    expect(approversFor(policy, "deactivate-access-key").map((p) => p.text)).toEqual(["bob", "oncall-*"]);
  });
});

describe("approverForms", () => {
  it("matches an assumed-role session also as its role's IAM ARN, in the session's partition", () => {
    expect(approverForms(ALICE_SESSION)).toEqual([ALICE_SESSION, "arn:aws:iam::111122223333:role/oncall-eu"]);
    expect(approverForms("arn:aws-us-gov:sts::111122223333:assumed-role/ops/bob@example.com")).toEqual([
      "arn:aws-us-gov:sts::111122223333:assumed-role/ops/bob@example.com",
      "arn:aws-us-gov:iam::111122223333:role/ops",
    ]);
  });

  it("leaves names, IAM user ARNs and other STS ARNs as they are", () => {
    for (const identity of [
      "alice",
      "arn:aws:iam::111122223333:user/alice",
      "arn:aws:sts::111122223333:federated-user/alice",
      "arn:aws:sts::111122223333:assumed-role/no-session",
    ]) {
      expect(approverForms(identity)).toEqual([identity]);
    }
  });
});

describe("mayDecidePlaybook", () => {
  const policy = policyOf({
    approvers: ["bob"],
    playbooks: { "quarantine-role": { approvers: ["alice", ONCALL_ROLE] } },
  });

  it("admits a named approver of the playbook and refuses one who is only a general approver", () => {
    expect(mayDecidePlaybook(policy, "quarantine-role", "alice")).toBe(true);
    expect(mayDecidePlaybook(policy, "quarantine-role", "bob")).toBe(false);
    expect(mayDecidePlaybook(policy, "deactivate-access-key", "bob")).toBe(true);
    expect(mayDecidePlaybook(policy, "deactivate-access-key", "alice")).toBe(false);
  });

  it("admits a session of a role the playbook's role pattern names, and refuses sessions of other roles", () => {
    expect(mayDecidePlaybook(policy, "quarantine-role", ALICE_SESSION)).toBe(true);
    expect(
      mayDecidePlaybook(policy, "quarantine-role", "arn:aws:sts::111122223333:assumed-role/developer/alice"),
    ).toBe(false);
  });

  it("does not let a session name pass for a named approver", () => {
    // The session name is chosen by whoever assumes the role: "alice" as a session name is not alice.
    expect(
      mayDecidePlaybook(policy, "quarantine-role", "arn:aws:sts::111122223333:assumed-role/x/alice"),
    ).toBe(false);
  });
});

describe("mayApprove", () => {
  it("takes pattern texts as a request stores them", () => {
    expect(mayApprove(["alice", ONCALL_ROLE], ALICE_SESSION)).toBe(true);
    expect(mayApprove(["alice"], "mallory")).toBe(false);
    expect(mayApprove(["*"], "anyone")).toBe(true);
  });
});

describe("concreteApprovers", () => {
  it("lists the approvers without wildcards, once each, in the configured order", () => {
    const policy = policyOf({
      approvers: ["*"],
      playbooks: {
        "quarantine-role": {
          approvers: ["alice", ONCALL_ROLE, "bob", "alice", "ops-?", "arn:aws:iam::111122223333:user/carol"],
        },
      },
    });
    expect(concreteApprovers(policy, "quarantine-role")).toEqual([
      "alice",
      "bob",
      "arn:aws:iam::111122223333:user/carol",
    ]);
    expect(concreteApprovers(policy, "notify")).toEqual([]);
  });
});
