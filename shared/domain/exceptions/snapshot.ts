import type { ActiveExceptions } from "../../ports/active-exceptions.ts";
import { type BreakGlassException, isActive } from "./exception.ts";

/**
 * The ActiveExceptions a run decides with, from the exceptions loaded once with
 * `await store.activeAt(start)` (those not ended before the run's start). Each call keeps the ones in
 * force at its own `at` (granted by then, not ended before it; see isActive), oldest grant first, so a
 * decision later in the run still stops applying an exception at its expiry instant. What changes in
 * the store after the load (a new grant, a revocation) is not seen: load a new snapshot for the next
 * run or batch.
 *
 * @example
 * const exceptions = activeExceptionsSnapshot(await store.activeAt(clock.now()));
 */
export function activeExceptionsSnapshot(loaded: readonly BreakGlassException[]): ActiveExceptions {
  const ordered = [...loaded].sort(
    (a, b) => a.grantedAt - b.grantedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { activeAt: (at) => ordered.filter((exception) => isActive(exception, at)) };
}
