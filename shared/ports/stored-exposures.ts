import type { Exposure } from "../domain/finding.ts";

/**
 * The exposures the store keeps (one per credential), read back so that what a break-glass exception
 * suppressed can be decided again when it ends.
 */
export interface StoredExposures {
  /** Stored exposures whose decision is `suppressed-by-exception`. */
  suppressed(): Promise<readonly Exposure[]>;
  /**
   * Replaces the stored exposure of `next`'s credential with `next`, atomically and only while it is
   * still `previous` (a newer evaluation that wrote another one wins); resolves to whether it replaced it.
   */
  replace(previous: Exposure, next: Exposure): Promise<boolean>;
}
