import type { BaselineStore } from "../../ports/baseline-store.ts";

/** What one subject's window keeps: distinct items with the time each was last seen, oldest first. */
interface WindowState {
  entries: Array<[string, number]>;
  /** When the window last made a signal (epoch ms): it stays quiet for one window length after. */
  firedAt?: number;
}

/** The distinct items of a window, counting the one being judged, and whether it is cooling down. */
export interface WindowView {
  readonly items: readonly string[];
  readonly cooling: boolean;
}

/**
 * A sliding window of distinct items per subject (actions tried, secrets read, objects deleted),
 * kept in the baselines under `namespace`: the shared state of the burst detections. `view` only
 * reads, so a detection's `evaluate` and `learn` can judge a use the same way; `add` records it.
 * After a signal the window is cleared and the subject cools down for one window length, so one
 * burst makes one signal.
 */
export class BurstWindow {
  constructor(
    readonly namespace: string,
    readonly windowMs: number,
    /** Most items kept per subject; far above any threshold, so counts stay right. */
    readonly maxEntries = 100,
  ) {}

  view(baselines: BaselineStore, key: string, item: string, at: number): WindowView {
    const state = baselines.get<WindowState>(this.namespace, key);
    const from = at - this.windowMs;
    const items: string[] = [];
    for (const [seen, when] of state?.entries ?? [])
      if (when >= from && when <= at && seen !== item) items.push(seen);
    items.push(item);
    const firedAt = state?.firedAt;
    return { items, cooling: firedAt !== undefined && at - firedAt < this.windowMs && at >= firedAt };
  }

  add(baselines: BaselineStore, key: string, item: string, at: number, fired: boolean): void {
    const state = baselines.get<WindowState>(this.namespace, key) ?? { entries: [] };
    if (fired) {
      baselines.set<WindowState>(this.namespace, key, { entries: [], firedAt: at });
      return;
    }
    const from = at - this.windowMs;
    const entries = state.entries.filter(([seen, when]) => when >= from && seen !== item);
    entries.push([item, at]);
    if (entries.length > this.maxEntries) entries.splice(0, entries.length - this.maxEntries);
    baselines.set<WindowState>(this.namespace, key, { entries, firedAt: state.firedAt });
  }
}

/** `service:Action` for reasons and window items: `ec2:DescribeInstances`. */
export function actionOf(eventSource: string, eventName: string): string {
  const dot = eventSource.indexOf(".");
  return `${dot === -1 ? eventSource : eventSource.slice(0, dot)}:${eventName}`;
}

/** A list for a reason line, cut after `max` entries: `a, b, c and 4 more`. */
export function listed(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
