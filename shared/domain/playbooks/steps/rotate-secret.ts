import * as z from "zod";
import type { SecretDescription } from "../../../ports/secrets-gateway.ts";
import { RotationInProgressError, RotationNotConfiguredError } from "../errors.ts";
import { defineStep } from "./step.ts";

/** What a rotation leaves valid: said in the step's notes and in the README. */
export const PREVIOUS_STAYS_VALID =
  "the previous value stays readable as AWSPREVIOUS, and with the alternating-users strategy its credential stays valid until the next rotation: rotate again or disable that user to kill it";

function stagesOf(secret: SecretDescription): Record<string, string[]> {
  return Object.fromEntries(Object.entries(secret.versions).map(([id, stages]) => [id, [...stages]]));
}

function versionWith(secret: SecretDescription, stage: string): string | undefined {
  return Object.entries(secret.versions).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * `rotate-secret`: starts the secret's configured rotation (never reads its value). The new version's id
 * is derived from the run and the step, so a rerun finds its own rotation instead of starting another.
 * Refuses, for a person to take over, when no rotation is configured or one is already in progress.
 */
export const rotateSecret = defineStep({
  id: "rotate-secret",
  summary: "start the secret's configured rotation",
  params: z.object({ secretId: z.string().min(1, { error: "must name the secret (name or ARN)" }) }),
  permissions: ["secretsmanager:DescribeSecret", "secretsmanager:RotateSecret"],
  undoPermissions: [],
  undo: {
    reversible: false,
    why: "a rotation cannot be rolled back safely: the new value is AWSCURRENT and moving staging labels back by hand can leave them inconsistent; the old value stays available as AWSPREVIOUS",
  },
  destructive: true,
  principalOf: () => undefined,
  subjectOf: (p) => p.secretId,
  async apply(p, ctx) {
    const token = `vigil-${ctx.runId}-${ctx.index}`.slice(0, 64).padEnd(32, "0");
    const secret = await ctx.secrets.describeSecret(p.secretId);
    const before = { versions: stagesOf(secret) };
    const notes = [PREVIOUS_STAYS_VALID];
    if (secret.versions[token] !== undefined) {
      return {
        changed: false,
        before,
        after: before,
        notes: ["this run's rotation was already started", ...notes],
      };
    }
    if (!secret.rotationEnabled && secret.rotationLambdaArn === undefined) {
      throw new RotationNotConfiguredError(secret.arn);
    }
    const pending = versionWith(secret, "AWSPENDING");
    if (pending !== undefined && pending !== versionWith(secret, "AWSCURRENT")) {
      throw new RotationInProgressError(secret.arn, pending);
    }
    const version = await ctx.secrets.rotateSecret(p.secretId, token);
    const rotated = await ctx.secrets.describeSecret(p.secretId);
    const previous = versionWith(rotated, "AWSPREVIOUS");
    return {
      changed: true,
      before,
      after: { versions: stagesOf(rotated), version, ...(previous === undefined ? {} : { previous }) },
      notes,
    };
  },
});
