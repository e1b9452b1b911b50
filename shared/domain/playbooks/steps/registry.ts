import { STEP_IDS, type StepId } from "../../vocabulary.ts";
import { UnknownStepError } from "../errors.ts";
import { deactivateAccessKey } from "./deactivate-access-key.ts";
import { detachPolicies } from "./detach-policies.ts";
import { notify } from "./notify.ts";
import { quarantineRole } from "./quarantine-role.ts";
import { quarantineUser } from "./quarantine-user.ts";
import { revokeSessions } from "./revoke-sessions.ts";
import { rotateSecret } from "./rotate-secret.ts";
import type { RegisteredStep } from "./step.ts";

/** Every playbook step, by its registry id (one file each in this folder). */
export const STEPS: Readonly<Record<StepId, RegisteredStep>> = {
  "deactivate-access-key": deactivateAccessKey,
  "revoke-sessions": revokeSessions,
  "quarantine-role": quarantineRole,
  "quarantine-user": quarantineUser,
  "detach-policies": detachPolicies,
  "rotate-secret": rotateSecret,
  notify,
};

/** The registered step `id`; an unknown id is rejected with the list of valid ones. */
export function stepOf(id: string): RegisteredStep {
  const step = (STEPS as Readonly<Record<string, RegisteredStep | undefined>>)[id];
  if (step === undefined) {
    throw new UnknownStepError(
      `step ${JSON.stringify(id)} is not registered; valid steps are ${STEP_IDS.join(", ")}`,
      { context: { step: id } },
    );
  }
  return step;
}

/** The union of the IAM actions every registered step needs, to act and to undo, sorted. */
export function requiredPermissions(): string[] {
  const all = new Set<string>();
  for (const step of Object.values(STEPS))
    for (const a of [...step.permissions, ...step.undoPermissions]) all.add(a);
  return [...all].sort();
}
