import type { CredentialUse } from "../event.ts";
import { actionOf, BurstWindow, listed } from "./burst-window.ts";
import { describeActor } from "./describe.ts";
import { type Detection, type DetectionContext, subjectKey } from "./detection.ts";
import { isAuthorizationFailure } from "./failures-then-success.ts";

/** How far back denied actions count, and how long the detection stays quiet after firing. */
export const RECON_WINDOW_MS = 10 * 60_000;
/** Distinct denied actions in the window that make a burst. */
export const RECON_ACTIONS_THRESHOLD = 5;

const window = new BurstWindow("recon-burst", RECON_WINDOW_MS);

/** The denied actions of the window if `use` completes a burst, else undefined. */
function burstOf(use: CredentialUse, ctx: DetectionContext): readonly string[] | undefined {
  const view = window.view(
    ctx.baselines,
    subjectKey(use),
    actionOf(use.eventSource, use.eventName),
    use.eventTime,
  );
  return !view.cooling && view.items.length >= RECON_ACTIONS_THRESHOLD ? view.items : undefined;
}

function counts(use: CredentialUse): boolean {
  return use.errorCode !== undefined && isAuthorizationFailure(use.errorCode) && !use.fromConsole;
}

/**
 * `recon-burst`: one credential is denied {@link RECON_ACTIONS_THRESHOLD} or more distinct actions
 * within ten minutes — the first hour of a leaked key, tried against SES, SNS, EC2, Secrets Manager
 * and the rest to see what it may do. It needs no later success (that is `failures-then-success`),
 * and a job retrying one denied call is one action, never a burst. The reason names the actions
 * tried. Console sessions are left out: a person browsing pages they may not read is denied often.
 * It fires during the learning period too (a fixed pattern, not a comparison with the past), then
 * stays quiet for ten minutes.
 */
export const reconBurst: Detection = {
  id: "recon-burst",
  title: "A burst of denied calls across many actions",
  weight: 25,
  attack: ["T1580", "T1526", "T1087.004"],
  evaluate(use, ctx) {
    if (!counts(use)) return undefined;
    const actions = burstOf(use, ctx);
    if (actions === undefined) return undefined;
    const services = new Set(actions.map((a) => a.slice(0, a.indexOf(":")))).size;
    return {
      id: "recon-burst",
      reason: `${actions.length} different actions denied to ${describeActor(use)} within 10 minutes, in ${services} service${services === 1 ? "" : "s"} (${listed(actions)})`,
    };
  },
  learn(use, ctx) {
    if (!counts(use)) return;
    const fired = burstOf(use, ctx) !== undefined;
    window.add(
      ctx.baselines,
      subjectKey(use),
      actionOf(use.eventSource, use.eventName),
      use.eventTime,
      fired,
    );
  },
};
