import type * as z from "zod";
import type { IamGateway } from "../../../ports/iam-gateway.ts";
import type { Notifier } from "../../../ports/notifier.ts";
import type { SecretsGateway } from "../../../ports/secrets-gateway.ts";
import { show } from "../../errors.ts";
import type { StepId } from "../../vocabulary.ts";
import { StepParamsError } from "../errors.ts";

/** The gateways a step acts through. */
export interface StepGateways {
  readonly iam: IamGateway;
  readonly secrets: SecretsGateway;
  readonly notifier: Notifier;
}

/** What a step sees while it runs. */
export interface StepContext extends StepGateways {
  readonly runId: string;
  /** Position of the step in its playbook (0-based). */
  readonly index: number;
  /** The time of the action (ms since the epoch), from the Clock. */
  readonly now: number;
  /** The principal the playbook is about (the user of a key, the role of a session). */
  readonly principal: string;
  /** Why the playbook runs (the decision's reason); quarantine tags and notifications carry it. */
  readonly reason: string;
  /** One line per step that ran before this one, for the notification. */
  readonly outcomes: readonly string[];
}

/** JSON-serializable state of the thing a step acts on, as read before and after the step. */
export type StepState = Readonly<Record<string, unknown>>;

/** What one application (or undo) of a step did. */
export interface StepResult {
  /** False when the goal already held and nothing was changed. */
  readonly changed: boolean;
  readonly before: StepState;
  readonly after: StepState;
  /** What a person should know: a fallback taken, a value that stays valid. */
  readonly notes: readonly string[];
}

/** Whether and how a step can be undone. */
export type UndoSupport =
  | { readonly reversible: true; readonly how: string }
  | { readonly reversible: false; readonly why: string };

/** A registered step's definition; `P` is its parsed parameters. */
export interface StepDefinition<P> {
  readonly id: StepId;
  readonly summary: string;
  /** Validates the planned `params` (strings) and parses them. */
  readonly params: z.ZodType<P>;
  /** IAM actions the step needs to act (fallbacks included). */
  readonly permissions: readonly string[];
  /** IAM actions its undo needs; empty when it cannot be undone. */
  readonly undoPermissions: readonly string[];
  readonly undo: UndoSupport;
  /** Whether it changes access (counted against the cap of destructive actions); notify does not. */
  readonly destructive: boolean;
  /** The IAM user or role the step acts on, for the protection guard; undefined for a secret or a message. */
  principalOf(params: P): string | undefined;
  /** What the step acts on, for the per-subject lock: a principal ARN, a secret id. */
  subjectOf(params: P): string;
  /** Reads the current state, changes it only when the goal does not hold yet, returns before/after. */
  apply(params: P, ctx: StepContext): Promise<StepResult>;
  /** Reverses what `apply` recorded (`applied` comes from the store: validate before use). Reversible steps only. */
  revert?(params: P, applied: StepResult, ctx: StepContext): Promise<StepResult>;
}

/** A planned step bound to its validated parameters. */
export interface PreparedStep {
  readonly definition: RegisteredStep;
  readonly principal: string | undefined;
  readonly subject: string;
  apply(ctx: StepContext): Promise<StepResult>;
  /** Undefined when the step cannot be undone. */
  readonly revert: ((applied: StepResult, ctx: StepContext) => Promise<StepResult>) | undefined;
}

/** A step as the registry keeps it: its declarations, and `prepare` to validate planned parameters. */
export interface RegisteredStep {
  readonly id: StepId;
  readonly summary: string;
  readonly permissions: readonly string[];
  readonly undoPermissions: readonly string[];
  readonly undo: UndoSupport;
  readonly destructive: boolean;
  /** Validates `params`; throws StepParamsError naming the field, the value and the fix. */
  prepare(params: unknown): PreparedStep;
}

/** Registers a step definition: erases its parameter type behind validation. */
export function defineStep<P>(definition: StepDefinition<P>): RegisteredStep {
  const registered: RegisteredStep = {
    id: definition.id,
    summary: definition.summary,
    permissions: definition.permissions,
    undoPermissions: definition.undoPermissions,
    undo: definition.undo,
    destructive: definition.destructive,
    prepare(raw) {
      const parsed = definition.params.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => {
          const field = issue.path.join(".") || "params";
          return `${field}: ${issue.message}`;
        });
        throw new StepParamsError(
          `step ${definition.id} cannot run with params ${show(raw, 200)}: ${problems.join("; ")}`,
          { context: { step: definition.id, problems } },
        );
      }
      const params = parsed.data;
      const revert = definition.revert;
      return {
        definition: registered,
        principal: definition.principalOf(params),
        subject: definition.subjectOf(params),
        apply: (ctx) => definition.apply(params, ctx),
        revert: revert === undefined ? undefined : (applied, ctx) => revert(params, applied, ctx),
      };
    },
  };
  return registered;
}
