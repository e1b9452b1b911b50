import * as z from "zod";
import { PRIVILEGE_LEVELS } from "../../ports/privilege-source.ts";
import { SEVERITIES, STEP_IDS } from "../vocabulary.ts";
import { parseSource } from "./sources.ts";
import { DAY_NAMES, isTimeZone, parseClock } from "./time-window.ts";

const ACCOUNT_ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):[^\s]+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-*]+:(\d{12}|\*):secret:[^\s]+$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-*]+:(\d{12}|\*):parameter\/?[^\s]+$/;
const ACCOUNT_PATTERN = /^[0-9*?]{1,12}$/;
const ACCESS_KEY = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ID = /^[a-z0-9][a-z0-9-]*$/;

const id = z.string().regex(ID, "must be lower-case letters, digits and dashes, such as ci-deployer");
const iamArnPattern = z
  .string()
  .regex(
    ACCOUNT_ARN,
    "is not an IAM ARN pattern; write it like arn:aws:iam::111122223333:role/ci-deployer (* allowed)",
  );
const source = z.string().superRefine((text, ctx) => {
  const spec = parseSource(text);
  if (spec.kind === "invalid") ctx.addIssue({ code: "custom", message: spec.reason });
});
const criticality = z.enum(SEVERITIES, { error: "must be one of low, medium, high, critical" });
const playbook = z.string().regex(ID, "must be a playbook id such as revoke-sessions");

const windowSchema = z
  .object({
    days: z
      .array(z.enum(DAY_NAMES, { error: `must be one of ${DAY_NAMES.join(", ")}` }))
      .min(1, "lists no day; name at least one of mon … sun"),
    from: z.string().refine((t) => parseClock(t) !== undefined, "must be a 24-hour time such as 07:00"),
    to: z
      .string()
      .refine(
        (t) => parseClock(t) !== undefined,
        "must be a 24-hour time such as 20:00 (24:00 for midnight)",
      ),
    tz: z.string().refine(isTimeZone, "is not an IANA time zone; write it like Europe/Berlin or UTC"),
  })
  .strict();

export const profileSchema = z
  .object({
    id,
    match: z
      .object({
        roles: z.array(iamArnPattern).default([]),
        users: z.array(iamArnPattern).default([]),
        accessKeys: z
          .array(z.string().regex(ACCESS_KEY, "is not an access key id; they look like AKIAIOSFODNN7EXAMPLE"))
          .default([]),
      })
      .strict()
      .refine(
        (m) => m.roles.length + m.users.length + m.accessKeys.length > 0,
        "matches nothing; give roles, users or accessKeys",
      ),
    sources: z.array(source).optional(),
    windows: z.array(windowSchema).optional(),
    regions: z.array(z.string().regex(REGION, "is not a region name such as eu-central-1")).optional(),
    criticality: criticality.default("medium"),
    /** What the identity can do, when no IAM snapshot is given. */
    privilege: z
      .enum(PRIVILEGE_LEVELS, { error: `must be one of ${PRIVILEGE_LEVELS.join(", ")}` })
      .optional(),
    owner: z.string().optional(),
    playbook: playbook.optional(),
    /**
     * The identity deploys infrastructure (Terraform, CDK, a pipeline): creating and changing
     * resources, roles and code is its job, so those changes alone raise nothing. Sharing outside the
     * estate, world-open ingress and logging off still do, and so does any use off its sources.
     */
    deployer: z.boolean({ error: "must be true or false" }).default(false),
  })
  .strict();

export const secretSchema = z
  .object({
    id,
    match: z
      .array(
        z.string().refine((t) => SECRET_ARN.test(t) || PARAMETER_ARN.test(t) || !t.startsWith("arn:"), {
          message:
            "is not a secret or parameter ARN; write arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-*, arn:aws:ssm:REGION:ACCOUNT:parameter/NAME or the name",
        }),
      )
      .min(1, "lists no secret; give the secret's ARN or name"),
    readers: z.array(iamArnPattern).default([]),
    sources: z.array(source).optional(),
    criticality: criticality.default("high"),
    owner: z.string().optional(),
    playbook: playbook.optional(),
  })
  .strict();

const band = z.enum([...SEVERITIES, "never"], { error: "must be one of low, medium, high, critical, never" });

/** What the policy says for one credential kind: its own bands and playbook, each falling back to the defaults. */
const kindPolicy = z
  .object({
    auto: band.optional(),
    approval: band.optional(),
    notify: band.optional(),
    playbook: playbook.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    auto: band.default("critical"),
    approval: band.default("high"),
    notify: band.default("medium"),
    /** Per credential kind: bands and playbook that override the defaults above. */
    kinds: z
      .object({
        "access-key": kindPolicy.optional(),
        "role-session": kindPolicy.optional(),
        secret: kindPolicy.optional(),
        root: kindPolicy.optional(),
        console: kindPolicy.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** A list of approvers: names, IAM ARNs, or `*` patterns over either. */
const approverList = z
  .array(z.string().regex(/^\S+$/, "must be a name or a pattern such as alice or oncall-* (no spaces)"))
  .min(1, 'lists nobody; name at least one approver, or "*" for anyone who gives a name');

/** Who may approve the requests of one playbook, instead of `approvals.approvers`. */
const playbookApprovalsSchema = z.object({ approvers: approverList }).strict();

/** Who may approve a `needs-approval` playbook, how long a request stays open, what happens when it lapses. */
export const approvalsSchema = z
  .object({
    /** Names (or `*` patterns over names) of the people who may approve; `*` alone: anyone who gives a name. */
    approvers: approverList.default(["*"]),
    /**
     * Per playbook id: who may approve its requests, in place of `approvers` (a playbook not listed
     * falls back to `approvers`). Names, IAM ARNs (of callers of the deployed approvals API) or patterns.
     */
    playbooks: z.record(z.string(), playbookApprovalsSchema).default({}),
    ttlMinutes: z
      .number()
      .int("must be a whole number of minutes")
      .min(1, "must be at least 1")
      .max(10_080, "must be at most 10080 (a week)")
      .default(60),
    /** Playbooks that need two different approvers. */
    twoPersonFor: z.array(playbook).default([]),
    onExpiry: z.enum(["renotify", "escalate"], { error: "must be renotify or escalate" }).default("renotify"),
    /** Who an expired request is escalated to (a team, a rota, a person), named in the notification. */
    escalateTo: z.string().min(1, "is empty; name the team or person to escalate to").optional(),
  })
  .strict();

/** Break-glass exceptions: how long one may last at most. */
export const exceptionsSchema = z
  .object({
    maxHours: z.number().positive("must be more than 0").max(168, "must be at most 168 (a week)").default(8),
  })
  .strict();

export const configSchema = z
  .object({
    profiles: z.array(profileSchema).default([]),
    secrets: z.array(secretSchema).default([]),
    /**
     * The AWS accounts of the estate (12-digit ids, `*` and `?` allowed): sharing data or access with
     * any other account is sharing outside the estate. Without it, every account other than the one
     * the call was made in is foreign.
     */
    accounts: z
      .array(
        z
          .string()
          .regex(
            ACCOUNT_PATTERN,
            "is not an account id; write the 12 digits, such as 111122223333 (* and ? allowed)",
          ),
      )
      .optional(),
    policy: policySchema.default({ auto: "critical", approval: "high", notify: "medium", kinds: {} }),
    protected: z.array(iamArnPattern).default([]),
    learning: z
      .object({
        days: z.number().int("must be a whole number of days").min(0).max(365, "must be at most 365"),
      })
      .strict()
      .default({ days: 7 }),
    /** Which VPC each VPC endpoint belongs to, so `vpc-…` sources can match (CloudTrail names only the endpoint). */
    vpcEndpoints: z
      .record(z.string().regex(/^vpce-[0-9a-f]+$/), z.string().regex(/^vpc-[0-9a-f]+$/))
      .default({}),
    approvals: approvalsSchema.default({
      approvers: ["*"],
      playbooks: {},
      ttlMinutes: 60,
      twoPersonFor: [],
      onExpiry: "renotify",
    }),
    exceptions: exceptionsSchema.default({ maxHours: 8 }),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigFile = z.output<typeof configSchema>;
export type ProfileConfig = z.output<typeof profileSchema>;
export type SecretConfig = z.output<typeof secretSchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type ApprovalsConfigFile = z.output<typeof approvalsSchema>;

/** Step ids a playbook may name directly. */
export const KNOWN_STEPS: readonly string[] = STEP_IDS;
