import { describe, expect, it } from "vitest";
import { PLAYBOOK_IDS, planPlaybook } from "../../../shared/domain/playbooks/catalog.ts";
import { STEP_IDS } from "../../../shared/domain/vocabulary.ts";

const at = Date.parse("2026-03-07T03:00:00Z");
const key = {
  credential: { kind: "access-key" as const, id: "AKIAEXAMPLE000000001" },
  principalArn: "arn:aws:iam::1:user/svc",
  at,
};
const role = {
  credential: { kind: "role-session" as const, id: "arn:aws:iam::1:role/app" },
  principalArn: "arn:aws:iam::1:role/app",
  at,
};

describe("planPlaybook", () => {
  it("plans steps that name registered step ids only", () => {
    for (const id of PLAYBOOK_IDS) {
      for (const subject of [key, role]) {
        for (const step of planPlaybook(id, subject).steps) expect(STEP_IDS).toContain(step.step);
      }
    }
  });

  it("deactivates the key of the user, then notifies", () => {
    expect(planPlaybook("deactivate-access-key", key).steps.map((s) => [s.step, s.target])).toEqual([
      ["deactivate-access-key", "AKIAEXAMPLE000000001"],
      ["notify", "arn:aws:iam::1:user/svc"],
    ]);
  });

  it("revokes sessions issued before the time of the plan", () => {
    const [revoke] = planPlaybook("revoke-sessions", role).steps;
    expect(revoke?.params).toEqual({
      roleArn: "arn:aws:iam::1:role/app",
      issuedBefore: "2026-03-07T03:00:00.000Z",
    });
  });

  it("explains what it cannot do instead of planning a step that cannot work", () => {
    const plan = planPlaybook("deactivate-access-key", role);
    expect(plan.steps.map((s) => s.step)).toEqual(["notify"]);
    expect(plan.notes).toEqual([
      "deactivating a key does not apply to role-session arn:aws:iam::1:role/app; only the notification is planned",
    ]);
  });

  it("says that rotation leaves the previous value valid", () => {
    const plan = planPlaybook("rotate-secret", {
      credential: { kind: "secret", id: "prod/db" },
      principalArn: "arn:aws:iam::1:role/app",
      at,
    });
    expect(plan.steps[0]?.step).toBe("rotate-secret");
    expect(plan.notes[0]).toMatch(/AWSPREVIOUS/);
  });

  it("rejects an unknown playbook with the list of valid ones", () => {
    expect(() => planPlaybook("nuke", key)).toThrow(
      'playbook "nuke" is unknown; valid playbooks are deactivate-access-key, revoke-sessions, quarantine-role, quarantine-user, detach-policies, rotate-secret, notify',
    );
  });
});
