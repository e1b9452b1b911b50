import type { BreakGlassException } from "../domain/exceptions/exception.ts";

/**
 * Where break-glass exceptions and quarantine lifts are kept. Every change is a read-modify-write of
 * one exception, written only if the exception is unchanged since it was read, so two processes cannot
 * both revoke it, both process its end, or both record its re-applied quarantine.
 */
export interface ExceptionStore {
  /** Stores a new exception; its id must be new. */
  insert(exception: BreakGlassException): Promise<void>;
  get(id: string): Promise<BreakGlassException | undefined>;
  /** Every exception, the most recently granted first. */
  list(): Promise<readonly BreakGlassException[]>;
  /**
   * The exceptions that may be in force at `at` or later (epoch ms): those not ended (expired or
   * revoked) before `at`. Decisions load these once (per run, per batch) as an ActiveExceptions
   * snapshot and compare each one's grant, expiry and revocation with their own clock reading.
   */
  activeAt(at: number): Promise<readonly BreakGlassException[]>;
  /**
   * Reads the exception and writes what `change` returns, only if it is still the one read (else
   * reads again and calls `change` again, so `change` must be pure); `change` returning undefined
   * writes nothing. Resolves to the exception before and after (after is undefined when nothing was
   * written), or undefined when there is no such id.
   */
  update(
    id: string,
    change: (current: BreakGlassException) => BreakGlassException | undefined,
  ): Promise<{ readonly before: BreakGlassException; readonly after?: BreakGlassException } | undefined>;
}
