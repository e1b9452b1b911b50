import { describe, expect, it } from "vitest";
import { PLAYBOOK_IDS, planPlaybook } from "../../../../shared/domain/playbooks/catalog.ts";
import { StepParamsError, UnknownStepError } from "../../../../shared/domain/playbooks/errors.ts";
import { requiredPermissions, STEPS, stepOf } from "../../../../shared/domain/playbooks/steps/registry.ts";
import { STEP_IDS } from "../../../../shared/domain/vocabulary.ts";

const ACTION = /^(iam|secretsmanager|sns):[A-Z][A-Za-z]+$/;

describe("the step registry", () => {
  it("registers exactly the seven step ids of the vocabulary, each under its own id", () => {
    expect(Object.keys(STEPS).sort()).toEqual([...STEP_IDS].sort());
    for (const id of STEP_IDS) expect(STEPS[id].id).toBe(id);
  });

  it("fails when a step declares no permissions, or a malformed one", () => {
    for (const step of Object.values(STEPS)) {
      expect(step.permissions.length, `${step.id} declares no permissions`).toBeGreaterThan(0);
      for (const action of [...step.permissions, ...step.undoPermissions]) expect(action).toMatch(ACTION);
    }
  });

  it("declares undo permissions for reversible steps and a reason for the others", () => {
    for (const step of Object.values(STEPS)) {
      if (step.undo.reversible) expect(step.undoPermissions.length, step.id).toBeGreaterThan(0);
      else expect(step.undo.why, step.id).toMatch(/cannot/);
    }
    expect(STEPS["rotate-secret"].undo.reversible).toBe(false);
    expect(STEPS["deactivate-access-key"].undo.reversible).toBe(true);
  });

  it("rejects an unknown step id with the list of valid ones", () => {
    expect(() => stepOf("delete-access-key")).toThrow(UnknownStepError);
    expect(() => stepOf("delete-access-key")).toThrow(
      `step "delete-access-key" is not registered; valid steps are ${STEP_IDS.join(", ")}`,
    );
  });

  it("accepts the params every catalog playbook plans", () => {
    const subjects = [
      {
        credential: { kind: "access-key" as const, id: "AKIAEXAMPLE000000001" },
        principalArn: "arn:aws:iam::111122223333:user/svc",
      },
      {
        credential: { kind: "role-session" as const, id: "arn:aws:iam::111122223333:role/app" },
        principalArn: "arn:aws:iam::111122223333:role/app",
      },
      {
        credential: { kind: "secret" as const, id: "prod/orders-db" },
        principalArn: "arn:aws:iam::111122223333:role/app",
      },
    ];
    let prepared = 0;
    for (const id of PLAYBOOK_IDS) {
      for (const subject of subjects) {
        for (const planned of planPlaybook(id, { ...subject, at: Date.parse("2026-03-07T03:00:00Z") })
          .steps) {
          expect(stepOf(planned.step).prepare(planned.params).definition.id).toBe(planned.step);
          prepared++;
        }
      }
    }
    expect(prepared).toBeGreaterThan(20);
  });

  it("rejects bad params naming the field, the value and the fix", () => {
    const prepare = () =>
      stepOf("deactivate-access-key").prepare({
        accessKeyId: "ASIAEXAMPLE",
        userArn: "arn:aws:iam::1:role/x",
      });
    expect(prepare).toThrow(StepParamsError);
    expect(prepare).toThrow(/accessKeyId: must be a long-term access key id/);
    expect(prepare).toThrow(/userArn: "arn:aws:iam::1:role\/x" is not an IAM user ARN/);
  });

  it("lists the union of every step's permissions, sorted and without duplicates", () => {
    const all = requiredPermissions();
    expect(all).toEqual([...new Set(all)].sort());
    expect(all).toContain("iam:UpdateAccessKey");
    expect(all).toContain("sns:Publish");
    expect(all).not.toContain("secretsmanager:GetSecretValue");
  });
});
