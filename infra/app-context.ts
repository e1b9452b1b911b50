import { z } from "zod";
import { show, VigilError } from "../shared/domain/errors.ts";
import type { VigilOrganizationProps } from "./parts/organization.ts";
import type { VigilMemberProps } from "./vigil-member.ts";

/**
 * The CDK context the ready app reads (`-c key=value`, or `context` in cdk.json). Each value is a JSON
 * object, given as an object in cdk.json or as its JSON text on the command line.
 */
export const CONTEXT_KEYS = {
  /** Set in a member account: the app synthesizes `VigilMemberStack` only. */
  member: "vigil:member",
  /** Set in the central account to serve an organization: the `organization` prop of the Vigil. */
  organization: "vigil:organization",
} as const;

/** A context value the app cannot use; the message names the key, shows the value and the expected shape. */
export class AppContextError extends VigilError {
  override name = "AppContextError";
}

const memberSchema = z.strictObject({
  centralBusArn: z.string(),
  centralExecuteRoleArn: z.string(),
  externalId: z.string(),
  memberRoleName: z.string().optional(),
  responderRole: z.boolean().optional(),
});

const organizationSchema = z.strictObject({
  organizationId: z.string(),
  memberRoleName: z.string().optional(),
  externalId: z.string().optional(),
});

const MEMBER_EXAMPLE =
  '{"centralBusArn":"arn:aws:events:eu-central-1:111122223333:event-bus/…","centralExecuteRoleArn":"arn:aws:iam::111122223333:role/…","externalId":"o-a1b2c3d4e5"}';
const ORGANIZATION_EXAMPLE = '{"organizationId":"o-a1b2c3d4e5"}';

/** The `vigil:member` context as VigilMember props (without the profiles), or undefined when unset. */
export function memberContext(value: unknown): Omit<VigilMemberProps, "profiles"> | undefined {
  return parse(value, memberSchema, CONTEXT_KEYS.member, MEMBER_EXAMPLE);
}

/** The `vigil:organization` context as the Vigil's `organization` prop, or undefined when unset. */
export function organizationContext(value: unknown): VigilOrganizationProps | undefined {
  return parse(value, organizationSchema, CONTEXT_KEYS.organization, ORGANIZATION_EXAMPLE);
}

function parse<T>(value: unknown, schema: z.ZodType<T>, key: string, example: string): T | undefined {
  if (value === undefined) return undefined;
  let json: unknown = value;
  if (typeof value === "string") {
    try {
      json = JSON.parse(value);
    } catch (error) {
      throw new AppContextError(
        `context ${key} ${show(value, 120)} is not JSON; pass it like -c '${key}=${example}' or as an object in cdk.json`,
        { cause: error },
      );
    }
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || key}: ${i.message}`);
  throw new AppContextError(
    `context ${key} ${show(value, 120)} is not valid (${problems.join("; ")}); write it like ${example}`,
    { context: { problems } },
  );
}
