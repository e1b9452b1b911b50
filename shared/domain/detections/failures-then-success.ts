import { type CredentialUse, succeeded } from "../event.ts";
import { type Detection, subjectKey } from "./detection.ts";

const NAMESPACE = "failures-then-success";
/** How far back failures count. */
export const FAILURE_WINDOW_MS = 10 * 60_000;
/** Failures in the window that make the next success suspicious. */
export const FAILURE_THRESHOLD = 5;
/** Most failures kept per subject (the newest win); far above the threshold, so counts stay right. */
export const MAX_FAILURES = 200;

/** The authorization failures of one subject still inside the window: [epoch ms, errorCode]. */
type FailureWindow = Array<[number, string]>;

/**
 * True for error codes that mean "you may not do this" (as opposed to throttling, validation or
 * missing resources): `AccessDenied*`, `*UnauthorizedOperation`, `UnauthorizedAccess`,
 * `AuthorizationError`, `*NotAuthorized*`.
 */
export function isAuthorizationFailure(code: string): boolean {
  return (
    code.startsWith("AccessDenied") ||
    code.endsWith("UnauthorizedOperation") ||
    code === "UnauthorizedAccess" ||
    code === "AuthorizationError" ||
    code.includes("NotAuthorized")
  );
}

/** The failures of `window` within the ten minutes up to `now`. */
function inWindow(window: FailureWindow, now: number): FailureWindow {
  const from = now - FAILURE_WINDOW_MS;
  return window.filter(([at]) => at >= from && at <= now);
}

/**
 * `failures-then-success`: at least {@link FAILURE_THRESHOLD} authorization failures by one credential
 * within ten minutes, then a successful call — someone probing what a credential may do until
 * something works. It fires on that success and forgets the failures, so one probe gives one signal.
 * It fires during the learning period too: it compares the credential with a fixed threshold, not
 * with its own past, and a probe in a credential's first days is no less telling. Console sessions
 * are left out: console pages a person may not read are refused as they load.
 */
export const failuresThenSuccess: Detection = {
  id: "failures-then-success",
  title: "A burst of authorization failures followed by a success",
  weight: 20,
  attack: ["T1078.004", "T1110"],
  evaluate(use, ctx) {
    if (!succeeded(use) || use.fromConsole) return undefined;
    const window = ctx.baselines.get<FailureWindow>(NAMESPACE, subjectKey(use));
    if (window === undefined || window.length < FAILURE_THRESHOLD) return undefined;
    const recent = inWindow(window, use.eventTime);
    if (recent.length < FAILURE_THRESHOLD) return undefined;
    return { id: "failures-then-success", reason: reasonFor(use, recent) };
  },
  learn(use, ctx) {
    // A person clicking through console pages they may not read is refused all day: not a probe.
    if (use.fromConsole) return;
    const key = subjectKey(use);
    const code = use.errorCode;
    if (code === undefined) {
      const window = ctx.baselines.get<FailureWindow>(NAMESPACE, key);
      if (window === undefined || window.length === 0) return;
      // After a signal the probe is spent; otherwise just drop what fell out of the window.
      if (inWindow(window, use.eventTime).length >= FAILURE_THRESHOLD) {
        ctx.baselines.set<FailureWindow>(NAMESPACE, key, []);
        return;
      }
      const from = use.eventTime - FAILURE_WINDOW_MS;
      const kept = window.filter(([at]) => at >= from);
      if (kept.length < window.length) ctx.baselines.set(NAMESPACE, key, kept);
      return;
    }
    if (!isAuthorizationFailure(code)) return;
    const window = ctx.baselines.get<FailureWindow>(NAMESPACE, key) ?? [];
    const from = use.eventTime - FAILURE_WINDOW_MS;
    const kept =
      window.length > 0 && (window[0]?.[0] ?? 0) < from ? window.filter(([at]) => at >= from) : window;
    kept.push([use.eventTime, code]);
    if (kept.length > MAX_FAILURES) kept.splice(0, kept.length - MAX_FAILURES);
    ctx.baselines.set(NAMESPACE, key, kept);
  },
};

function reasonFor(use: CredentialUse, failures: FailureWindow): string {
  const counts = new Map<string, number>();
  for (const [, code] of failures) counts.set(code, (counts.get(code) ?? 0) + 1);
  const byCode = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code} x${n}`)
    .join(", ");
  const dot = use.eventSource.indexOf(".");
  const action = `${dot === -1 ? use.eventSource : use.eventSource.slice(0, dot)}:${use.eventName}`;
  return `${failures.length} authorization failures (${byCode}) in the 10 minutes before this successful ${action}`;
}
