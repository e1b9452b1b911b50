import type { CredentialRef } from "../event.ts";
import type { StepId } from "../vocabulary.ts";

/** One step of a planned playbook: the registered step, what it acts on, and its parameters. */
export interface PlannedStep {
  readonly step: StepId;
  /** The ARN, key id or secret the step acts on. */
  readonly target: string;
  readonly params: Readonly<Record<string, string>>;
  /** One line a person approving it can read. */
  readonly description: string;
}

/** A playbook planned for an exposure. Nothing is executed while planning. */
export interface PlannedPlaybook {
  readonly id: string;
  readonly steps: readonly PlannedStep[];
  /** What the plan cannot do for this credential, and why (e.g. rotation leaves AWSPREVIOUS valid). */
  readonly notes: readonly string[];
}

/** What a playbook is planned for. */
export interface PlaybookSubject {
  readonly credential: CredentialRef;
  /** The IAM identity to act on: the user of a key, the role of a session. */
  readonly principalArn: string;
  /** The time the plan is made; sessions issued before it are revoked. */
  readonly at: number;
}

interface PlaybookDefinition {
  readonly title: string;
  readonly plan: (subject: PlaybookSubject) => { steps: PlannedStep[]; notes: string[] };
}

const notify = (s: PlaybookSubject): PlannedStep => ({
  step: "notify",
  target: s.principalArn,
  params: { credential: `${s.credential.kind}:${s.credential.id}` },
  description: `notify the owner and on-call about ${s.credential.kind} ${s.credential.id}`,
});

function roleArnOf(s: PlaybookSubject): string | undefined {
  return s.principalArn.includes(":role/") ? s.principalArn : undefined;
}

function userArnOf(s: PlaybookSubject): string | undefined {
  return s.principalArn.includes(":user/") ? s.principalArn : undefined;
}

function deactivateKey(s: PlaybookSubject): PlannedStep | undefined {
  const keyId = s.credential.kind === "access-key" ? s.credential.id : undefined;
  const user = userArnOf(s);
  if (keyId === undefined || user === undefined) return undefined;
  return {
    step: "deactivate-access-key",
    target: keyId,
    params: { accessKeyId: keyId, userArn: user },
    description: `set access key ${keyId} of ${user} to Inactive (reversible)`,
  };
}

function revokeSessions(s: PlaybookSubject): PlannedStep | undefined {
  const role = roleArnOf(s);
  if (role === undefined) return undefined;
  const cutoff = new Date(s.at).toISOString();
  return {
    step: "revoke-sessions",
    target: role,
    params: { roleArn: role, issuedBefore: cutoff },
    description: `deny every action to sessions of ${role} issued before ${cutoff}`,
  };
}

function quarantine(s: PlaybookSubject): PlannedStep | undefined {
  const role = roleArnOf(s);
  if (role !== undefined) {
    return {
      step: "quarantine-role",
      target: role,
      params: { roleArn: role },
      description: `attach a deny-all inline policy and a quarantine tag to ${role}`,
    };
  }
  const user = userArnOf(s);
  if (user === undefined) return undefined;
  return {
    step: "quarantine-user",
    target: user,
    params: { userArn: user },
    description: `attach a deny-all inline policy and a quarantine tag to ${user}`,
  };
}

function steps(...planned: Array<PlannedStep | undefined>): PlannedStep[] {
  return planned.filter((s): s is PlannedStep => s !== undefined);
}

function unreachable(s: PlaybookSubject, wanted: string): string[] {
  return [
    `${wanted} does not apply to ${s.credential.kind} ${s.credential.id}; only the notification is planned`,
  ];
}

/**
 * The playbooks a profile or the decision policy may name, by id. Each plans registered steps for one
 * exposure, or explains why it cannot (a root credential cannot be contained by IAM).
 */
export const PLAYBOOKS: Readonly<Record<string, PlaybookDefinition>> = {
  "deactivate-access-key": {
    title: "Deactivate the access key",
    plan: (s) => {
      const key = deactivateKey(s);
      return { steps: steps(key, notify(s)), notes: key ? [] : unreachable(s, "deactivating a key") };
    },
  },
  "revoke-sessions": {
    title: "Revoke the role's existing sessions",
    plan: (s) => {
      const revoke = revokeSessions(s);
      return { steps: steps(revoke, notify(s)), notes: revoke ? [] : unreachable(s, "revoking sessions") };
    },
  },
  "quarantine-role": {
    title: "Revoke sessions and quarantine the role",
    plan: (s) => {
      const planned = steps(revokeSessions(s), quarantine(s));
      return {
        steps: [...planned, notify(s)],
        notes: planned.length ? [] : unreachable(s, "quarantining a role"),
      };
    },
  },
  "quarantine-user": {
    title: "Deactivate the key and quarantine the user",
    plan: (s) => {
      const q = userArnOf(s) ? quarantine(s) : undefined;
      const planned = steps(deactivateKey(s), q);
      return { steps: [...planned, notify(s)], notes: q ? [] : unreachable(s, "quarantining a user") };
    },
  },
  "detach-policies": {
    title: "Detach the principal's managed policies",
    plan: (s) => {
      const arn = roleArnOf(s) ?? userArnOf(s);
      const detach: PlannedStep | undefined =
        arn === undefined
          ? undefined
          : {
              step: "detach-policies",
              target: arn,
              params: { principalArn: arn },
              description: `detach every managed policy from ${arn}, recording each so undo can re-attach it`,
            };
      return { steps: steps(detach, notify(s)), notes: detach ? [] : unreachable(s, "detaching policies") };
    },
  },
  "rotate-secret": {
    title: "Rotate the secret",
    plan: (s) => {
      if (s.credential.kind !== "secret")
        return { steps: [notify(s)], notes: unreachable(s, "rotating a secret") };
      if (/^arn:aws[a-z-]*:ssm:/.test(s.credential.id)) {
        return {
          steps: [notify(s)],
          notes: [
            `${s.credential.id} is an SSM parameter, which has no rotation: change the credential it holds, then its value; only the notification is planned`,
          ],
        };
      }
      return {
        steps: [
          {
            step: "rotate-secret",
            target: s.credential.id,
            params: { secretId: s.credential.id },
            description: `start rotation of ${s.credential.id} (needs rotation configured)`,
          },
          notify(s),
        ],
        notes: [
          "the previous value stays readable as AWSPREVIOUS, and with the alternating-users strategy the old credential stays valid until the next rotation",
        ],
      };
    },
  },
  notify: { title: "Notify only", plan: (s) => ({ steps: [notify(s)], notes: [] }) },
};

export const PLAYBOOK_IDS: readonly string[] = Object.keys(PLAYBOOKS);

/** Plans the playbook `id` for a subject. The id must be one of PLAYBOOK_IDS (config validation checks it). */
export function planPlaybook(id: string, subject: PlaybookSubject): PlannedPlaybook {
  const definition = PLAYBOOKS[id];
  if (definition === undefined) {
    throw new RangeError(
      `playbook ${JSON.stringify(id)} is unknown; valid playbooks are ${PLAYBOOK_IDS.join(", ")}`,
    );
  }
  const { steps: planned, notes } = definition.plan(subject);
  return { id, steps: planned, notes };
}
