import * as z from "zod";
import type { IamGateway, IamPrincipal } from "../../ports/iam-gateway.ts";
import {
  denyAllPolicyArn,
  QUARANTINE_POLICY,
  QUARANTINE_REASON_TAG,
  QUARANTINE_TAG,
  quarantineDocument,
  sameDocument,
} from "./deny-policies.ts";
import {
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
  UnmodifiableEntityError,
} from "./errors.ts";
import type { ParsedPrincipal } from "./principal.ts";
import type { StepContext, StepResult } from "./steps/step.ts";

/** IAM building blocks the containment steps share. */

/** Throws UnmodifiableEntityError for a service-linked role (IAM would refuse every change anyway). */
export async function assertModifiableRole(iam: IamGateway, role: ParsedPrincipal): Promise<void> {
  if (role.kind !== "role") return;
  const info = await iam.getRole(role.name);
  if (info.serviceLinked) {
    throw new UnmodifiableEntityError(
      "GetRole",
      "UnmodifiableEntity",
      `${info.arn} is a service-linked role (path ${info.path}); IAM does not allow changing it, so vigil never acts on it`,
    );
  }
}

/** Creates a customer managed policy, or finds the one an interrupted attempt already created. */
export async function createOrFindPolicy(
  iam: IamGateway,
  owner: ParsedPrincipal,
  name: string,
  path: string,
  document: string,
  description: string,
): Promise<string> {
  try {
    return await iam.createPolicy(name, path, document, description);
  } catch (error) {
    if (!(error instanceof EntityAlreadyExistsError)) throw error;
    return `arn:${owner.partition}:iam::${owner.account}:policy${path}${name}`;
  }
}

/** Runs `call`; a NoSuchEntityError (already gone) is not a failure here. Returns whether it was gone. */
export async function ignoreGone(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return false;
  } catch (error) {
    if (error instanceof NoSuchEntityError) return true;
    throw error;
  }
}

/** IAM tag values allow letters, digits, spaces and _ . : / = + - @, up to 256 characters. */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, "_").slice(0, 256);
}

const quarantineState = z.object({
  policy: z.string().nullable(),
  tags: z.record(z.string(), z.string().nullable()),
  denyAllAttached: z.boolean(),
});

/**
 * Quarantines a user or role: the inline deny-all policy `vigil-quarantine` (or, when the principal's
 * inline policies are full, the AWS managed AWSDenyAll) and the tags `vigil:quarantined` (since when)
 * and `vigil:quarantine-reason`. Parts already in place are left alone.
 */
export async function quarantine(principal: ParsedPrincipal, ctx: StepContext): Promise<StepResult> {
  const { iam } = ctx;
  await assertModifiableRole(iam, principal);
  const denyAll = denyAllPolicyArn(principal.partition);
  const document = quarantineDocument();
  const policy = (await iam.getInlinePolicy(principal, QUARANTINE_POLICY)) ?? null;
  const tags = await iam.listTags(principal);
  const attached = await iam.listAttachedPolicies(principal);
  const before = {
    policy,
    tags: {
      [QUARANTINE_TAG]: tags[QUARANTINE_TAG] ?? null,
      [QUARANTINE_REASON_TAG]: tags[QUARANTINE_REASON_TAG] ?? null,
    },
    denyAllAttached: attached.some((a) => a.arn === denyAll),
  };
  const notes: string[] = [];
  let after = { ...before };
  const denied = sameDocument(policy ?? undefined, document) || before.denyAllAttached;
  if (!denied) {
    try {
      await iam.putInlinePolicy(principal, QUARANTINE_POLICY, document);
      after = { ...after, policy: document };
    } catch (error) {
      if (!(error instanceof LimitExceededError)) throw error;
      await iam.attachPolicy(principal, denyAll);
      after = { ...after, denyAllAttached: true };
      notes.push(
        `the ${principal.kind}'s inline policies are full (LimitExceeded): attached ${denyAll} instead`,
      );
    }
  }
  const tagged = before.tags[QUARANTINE_TAG] !== null;
  if (!tagged) {
    const wanted = {
      [QUARANTINE_TAG]: new Date(ctx.now).toISOString(),
      [QUARANTINE_REASON_TAG]: tagValue(`run ${ctx.runId}: ${ctx.reason}`),
    };
    await iam.tag(principal, wanted);
    after = { ...after, tags: wanted };
  }
  if (denied && tagged) notes.push(`the ${principal.kind} was already quarantined`);
  return { changed: !denied || !tagged, before, after, notes };
}

/** Reverses `quarantine`: removes (or restores) exactly what it added. */
export async function releaseQuarantine(
  principal: IamPrincipal & { readonly partition: string },
  applied: StepResult,
  iam: IamGateway,
): Promise<StepResult> {
  const before = quarantineState.parse(applied.before);
  const after = quarantineState.parse(applied.after);
  const notes: string[] = [];
  let changed = false;
  if (after.denyAllAttached && !before.denyAllAttached) {
    await ignoreGone(() => iam.detachPolicy(principal, denyAllPolicyArn(principal.partition)));
    changed = true;
  }
  if (after.policy !== before.policy) {
    const current = await iam.getInlinePolicy(principal, QUARANTINE_POLICY);
    if (!sameDocument(current, after.policy ?? undefined)) {
      notes.push(`${QUARANTINE_POLICY} was changed after the run: left as it is`);
    } else if (before.policy === null) {
      await iam.deleteInlinePolicy(principal, QUARANTINE_POLICY);
      changed = true;
    } else {
      await iam.putInlinePolicy(principal, QUARANTINE_POLICY, before.policy);
      changed = true;
    }
  }
  const added = Object.keys(after.tags).filter((key) => after.tags[key] !== before.tags[key]);
  const remove = added.filter((key) => before.tags[key] === null);
  const restore = Object.fromEntries(
    added.flatMap((key) => {
      const value = before.tags[key];
      return value === null || value === undefined ? [] : [[key, value]];
    }),
  );
  if (remove.length > 0) await iam.untag(principal, remove);
  if (Object.keys(restore).length > 0) await iam.tag(principal, restore);
  changed ||= added.length > 0;
  return { changed, before: applied.after, after: applied.before, notes };
}
