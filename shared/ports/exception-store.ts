import type { BreakGlassException } from "../domain/exceptions/exception.ts";
import type { ActiveExceptions } from "./active-exceptions.ts";

/**
 * Where break-glass exceptions and quarantine lifts are kept. Every change is a read-modify-write of
 * one exception inside one transaction, so two processes cannot both revoke it, both process its end,
 * or both record its re-applied quarantine.
 */
export interface ExceptionStore extends ActiveExceptions {
  /** Stores a new exception; its id must be new. */
  insert(exception: BreakGlassException): void;
  get(id: string): BreakGlassException | undefined;
  /** Every exception, the most recently granted first. */
  list(): readonly BreakGlassException[];
  /**
   * Reads the exception and writes what `change` returns, atomically; `change` returning undefined
   * writes nothing. Returns the stored exception before and after (after is undefined when nothing was
   * written), or undefined when there is no such id.
   */
  update(
    id: string,
    change: (current: BreakGlassException) => BreakGlassException | undefined,
  ): { readonly before: BreakGlassException; readonly after?: BreakGlassException } | undefined;
}
