import { DAY_NAMES, inWindow, localTime } from "../config/time-window.ts";
import { show } from "../errors.ts";
import { describeCredential } from "./describe.ts";
import type { Detection } from "./detection.ts";

/** "Sun 03:30 Europe/Berlin": the local weekday and clock time of an instant in a zone. */
function describeLocalTime(epochMs: number, tz: string): string {
  const { day, minute } = localTime(epochMs, tz);
  const name = DAY_NAMES[day] ?? "?";
  const hh = String(Math.floor(minute / 60)).padStart(2, "0");
  const mm = String(minute % 60).padStart(2, "0");
  return `${name[0]?.toUpperCase()}${name.slice(1)} ${hh}:${mm} ${tz}`;
}

/**
 * `outside-window`: the credential's profile declares when it is used (days, hours, time zone) and
 * this call falls in none of those windows. Local time is computed per window, so daylight-saving
 * changes move the window with the wall clock.
 */
export const outsideWindow: Detection = {
  id: "outside-window",
  title: "Used outside its declared time windows",
  weight: 10,
  attack: ["T1078.004"],
  evaluate(use, ctx) {
    const windows = ctx.profile?.windows;
    const first = windows?.[0];
    if (ctx.profile === undefined || windows === undefined || first === undefined) return undefined;
    if (windows.some((window) => inWindow(window, use.eventTime))) return undefined;
    const at = new Date(use.eventTime).toISOString();
    return {
      id: "outside-window",
      reason: `${describeCredential(use)} used ${describeLocalTime(use.eventTime, first.tz)} (${at}), outside the windows declared by profile ${show(ctx.profile.id)} (${windows.map((w) => w.text).join("; ")})`,
    };
  },
};
