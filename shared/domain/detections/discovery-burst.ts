import type { CredentialUse } from "../event.ts";
import { type Detection, subjectKey } from "./detection.ts";

const NAMESPACE = "discovery-burst";
/** How far back never-seen actions count, and how long the detection stays quiet after firing. */
export const BURST_WINDOW_MS = 10 * 60_000;
/** New distinct actions in the window that make a burst. */
export const NEW_ACTIONS_THRESHOLD = 10;
/** New distinct services in the window that make a burst. */
export const NEW_SERVICES_THRESHOLD = 5;
/** Most actions remembered per subject; the first learned is forgotten first. */
export const MAX_ACTIONS = 500;
/** Most entries in the window; above both thresholds, so the decision is never cut short. */
const MAX_RECENT = 100;

/** One never-seen action in the window: [epoch ms, eventSource, eventName, 1 when the service was new too]. */
type RecentAction = [number, string, string, 0 | 1];

/** What discovery-burst keeps per subject. */
interface DiscoveryState {
  /**
   * Actions ever seen, by service then name (`{"s3.amazonaws.com": {"ListBuckets": firstSeenMs}}`):
   * nested so that checking a call needs no string building, and a service is known when it has a key.
   */
  known: Record<string, Record<string, number>>;
  /** How many actions `known` holds, to keep it under {@link MAX_ACTIONS}. */
  count: number;
  /** Never-seen actions of the last ten minutes, counted only after the learning period. */
  recent: RecentAction[];
  /** When the detection last fired for this subject (epoch ms), for the cooldown. */
  firedAt?: number;
}

/** The actions behind a burst, oldest first, and how many services among them were never used. */
interface Burst {
  actions: string[];
  newServices: number;
}

function isKnown(state: DiscoveryState | undefined, use: CredentialUse): boolean {
  return typeof state?.known[use.eventSource]?.[use.eventName] === "number";
}

function isKnownService(state: DiscoveryState | undefined, eventSource: string): boolean {
  return state !== undefined && Object.hasOwn(state.known, eventSource);
}

function actionName(eventSource: string, eventName: string): string {
  const dot = eventSource.indexOf(".");
  return `${dot === -1 ? eventSource : eventSource.slice(0, dot)}:${eventName}`;
}

/**
 * The burst `use` completes, if any: the never-seen actions of the window including this one, when
 * they reach a threshold and the subject is not cooling down from an earlier signal. Shared by
 * `evaluate` (to report) and `learn` (to start the cooldown), so both always agree. Only called
 * for a never-seen action after the learning period.
 */
function burstOf(use: CredentialUse, state: DiscoveryState | undefined): Burst | undefined {
  const now = use.eventTime;
  if (state?.firedAt !== undefined && now - state.firedAt < BURST_WINDOW_MS) return undefined;
  const from = now - BURST_WINDOW_MS;
  const actions: string[] = [];
  let newServices = isKnownService(state, use.eventSource) ? 0 : 1;
  for (const [at, eventSource, eventName, serviceIsNew] of state?.recent ?? []) {
    if (at < from || at > now || (eventName === use.eventName && eventSource === use.eventSource)) continue;
    actions.push(actionName(eventSource, eventName));
    // Only the first action learned in a service carries the flag: later ones found it known.
    newServices += serviceIsNew;
  }
  actions.push(actionName(use.eventSource, use.eventName));
  if (actions.length < NEW_ACTIONS_THRESHOLD && newServices < NEW_SERVICES_THRESHOLD) return undefined;
  return { actions, newServices };
}

/**
 * `discovery-burst` (learned): after its learning period, a credential suddenly calls many actions it
 * never called before — at least {@link NEW_ACTIONS_THRESHOLD} new actions or
 * {@link NEW_SERVICES_THRESHOLD} new services within ten minutes, the shape of someone enumerating
 * what a stolen credential reaches. Failed calls count: probing is discovery too. It fires once per
 * burst, then stays quiet for ten minutes. Every action is learned, at most {@link MAX_ACTIONS} per
 * subject.
 */
export const discoveryBurst: Detection = {
  id: "discovery-burst",
  title: "Suddenly enumerates many actions or services it never used",
  weight: 20,
  attack: ["T1580", "T1526"],
  evaluate(use, ctx) {
    if (ctx.history.learning) return undefined;
    const state = ctx.baselines.get<DiscoveryState>(NAMESPACE, subjectKey(use));
    if (isKnown(state, use)) return undefined;
    const burst = burstOf(use, state);
    if (burst === undefined) return undefined;
    const examples = burst.actions.slice(0, 5).join(", ");
    const more = burst.actions.length > 5 ? ", …" : "";
    return {
      id: "discovery-burst",
      reason: `${burst.actions.length} actions never used before by ${subjectKey(use)} within 10 minutes, ${burst.newServices} of them in services it never used (${examples}${more})`,
    };
  },
  learn(use, ctx) {
    // Names come from AWS; a forged record must not be able to reach an object's prototype.
    if (use.eventSource === "__proto__" || use.eventName === "__proto__") return;
    const key = subjectKey(use);
    const found = ctx.baselines.get<DiscoveryState>(NAMESPACE, key);
    if (isKnown(found, use)) return;
    const state = found ?? { known: {}, count: 0, recent: [] };
    const serviceIsNew = !isKnownService(state, use.eventSource);
    if (!ctx.history.learning) {
      if (burstOf(use, state) !== undefined) {
        state.firedAt = use.eventTime;
        state.recent = [];
      } else {
        const from = use.eventTime - BURST_WINDOW_MS;
        state.recent = state.recent.filter(([at]) => at >= from);
        state.recent.push([use.eventTime, use.eventSource, use.eventName, serviceIsNew ? 1 : 0]);
        if (state.recent.length > MAX_RECENT) state.recent.splice(0, state.recent.length - MAX_RECENT);
      }
    }
    if (state.count >= MAX_ACTIONS) forgetFirst(state);
    let names = state.known[use.eventSource];
    if (names === undefined) {
      names = {};
      state.known[use.eventSource] = names;
    }
    names[use.eventName] = use.eventTime;
    state.count++;
    ctx.baselines.set(NAMESPACE, key, state);
  },
};

/** Forgets the first action learned (of the first service learned), to make room. */
function forgetFirst(state: DiscoveryState): void {
  for (const eventSource in state.known) {
    const names = state.known[eventSource] ?? {};
    for (const eventName in names) {
      delete names[eventName];
      state.count--;
      break;
    }
    if (Object.keys(names).length === 0) delete state.known[eventSource];
    return;
  }
}
