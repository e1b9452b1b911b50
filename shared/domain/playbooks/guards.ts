import type { VigilConfig } from "../config/compile.ts";
import { protectionOf } from "../decide/guards.ts";

/** The guards' settings. */
export interface GuardSettings {
  readonly config: VigilConfig;
  /** Most destructive actions per account in one window. @default 10 */
  readonly maxActions?: number;
  /** Length of the window in ms. @default one hour */
  readonly windowMs?: number;
  /** How long a run's lock on a subject lasts if the run dies. @default 15 minutes */
  readonly lockTtlMs?: number;
}

/** Defaults of the guards: at most 10 destructive actions per account per hour. */
export const GUARD_DEFAULTS = { maxActions: 10, windowMs: 3_600_000, lockTtlMs: 900_000 } as const;

/** Why vigil must not act on `principalArn` (see protectionOf), or undefined when it may. */
export function principalGuard(principalArn: string, settings: GuardSettings): string | undefined {
  return protectionOf(principalArn, settings.config);
}
