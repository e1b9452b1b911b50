import { ArnPattern } from "../config/arn-pattern.ts";
import type { VigilConfig } from "../config/compile.ts";
import { protectionOf } from "../decide/guards.ts";

/** vigil's own roles, as the CDK construct names them: never acted on, whatever the config says. */
export const OWN_ROLE_PATTERNS: readonly ArnPattern[] = [
  new ArnPattern("arn:aws:iam::*:role/vigil-*"),
  new ArnPattern("arn:aws:iam::*:role/*/vigil-*"),
];

/** The guards' settings. */
export interface GuardSettings {
  readonly config: VigilConfig;
  /** @default OWN_ROLE_PATTERNS */
  readonly ownRoles?: readonly ArnPattern[];
  /** Most destructive actions per account in one window. @default 10 */
  readonly maxActions?: number;
  /** Length of the window in ms. @default one hour */
  readonly windowMs?: number;
  /** How long a run's lock on a subject lasts if the run dies. @default 15 minutes */
  readonly lockTtlMs?: number;
}

/** Defaults of the guards: at most 10 destructive actions per account per hour. */
export const GUARD_DEFAULTS = { maxActions: 10, windowMs: 3_600_000, lockTtlMs: 900_000 } as const;

/**
 * Why vigil must not act on `principalArn`, or undefined when it may: service-linked roles, the
 * configured `protected` patterns (break-glass roles), and vigil's own roles.
 */
export function principalGuard(principalArn: string, settings: GuardSettings): string | undefined {
  const configured = protectionOf(principalArn, settings.config);
  if (configured !== undefined) return configured;
  const own = (settings.ownRoles ?? OWN_ROLE_PATTERNS).find((p) => p.matches(principalArn));
  return own === undefined ? undefined : `${principalArn} is one of vigil's own roles (${own.text})`;
}
