import type { BreakGlassException } from "../domain/exceptions/exception.ts";

/**
 * The break-glass exceptions a decision must respect, read at decision time. The decision compares
 * each one's grant, expiry and revocation with the Clock's reading itself, so an exception stops
 * applying at its expiry instant whether or not anything swept it.
 */
export interface ActiveExceptions {
  /** The exceptions that may be in force at `at` (epoch ms): granted by then and not ended before it. */
  activeAt(at: number): readonly BreakGlassException[];
}
