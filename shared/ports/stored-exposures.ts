import type { Exposure } from "../domain/finding.ts";

/**
 * The exposures the last replays left in the store (one per credential), read back so that what a
 * break-glass exception suppressed can be decided again when it ends.
 */
export interface StoredExposures {
  /** Stored exposures whose decision is `suppressed-by-exception`. */
  suppressed(): readonly Exposure[];
  /**
   * Replaces the stored exposure of `next`'s credential with `next`, atomically and only while it is
   * still `previous` (a replay that wrote a newer one wins); returns whether it replaced it.
   */
  replace(previous: Exposure, next: Exposure): boolean;
}
