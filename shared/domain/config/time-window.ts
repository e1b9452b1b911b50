/** Day names as written in a config, Monday first. */
export const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type DayName = (typeof DAY_NAMES)[number];

/** A declared time window: on these days, from `from` to `to` local time in `tz`. */
export interface TimeWindow {
  readonly days: readonly DayName[];
  /** Minutes after local midnight, inclusive. */
  readonly fromMinute: number;
  /** Minutes after local midnight, exclusive; at or before `fromMinute` means the window runs past midnight. */
  readonly toMinute: number;
  readonly tz: string;
  readonly text: string;
}

/** Reads "HH:MM" (00:00–24:00) to minutes after midnight, or undefined. */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && minutes <= 24 * 60 ? minutes : undefined;
}

/** The runtime's canonical IANA zone names, read on the first {@link isTimeZone}. */
let canonicalZones: ReadonlySet<string> | undefined;

/**
 * True when `tz` is an IANA time zone this runtime knows, that is, one a DateTimeFormat accepts.
 * "UTC" (which ECMA-402 requires) and the runtime's canonical names (`Intl.supportedValuesOf`) are
 * answered from that list; any other text (an alias such as Asia/Calcutta, another case, or no zone
 * at all) is tried as a DateTimeFormat's zone. The answer is the same either way, but reading the list
 * takes about 2 ms where the first DateTimeFormat of a process takes about 15 ms (ICU's date
 * formatting set-up): a function whose config declares time windows pays that on its first window
 * check instead of at every cold start.
 */
export function isTimeZone(tz: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf("timeZone"));
  if (tz === "UTC" || canonicalZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const QUARTER_HOUR = 15 * 60_000;
const offsetCache = new Map<string, number>();
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The UTC offset of `tz` at `epochMs`, in ms. Offsets change only on quarter-hour boundaries (every
 * DST rule in the tz database switches on one), so one lookup per zone and quarter hour is exact.
 */
function offsetAt(epochMs: number, tz: string): number {
  const bucket = Math.floor(epochMs / QUARTER_HOUR);
  const key = `${tz}|${bucket}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  let format = formatters.get(tz);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(tz, format);
  }
  const at = bucket * QUARTER_HOUR;
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(at))
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  const offset = local - at;
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** The local weekday (0 = Monday) and minute of day of an instant in `tz`, correct across DST changes. */
export function localTime(epochMs: number, tz: string): { day: number; minute: number } {
  const local = new Date(epochMs + offsetAt(epochMs, tz));
  return { day: (local.getUTCDay() + 6) % 7, minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

/** True when the instant falls inside the window. A window past midnight belongs to the day it starts. */
export function inWindow(window: TimeWindow, epochMs: number): boolean {
  const { day, minute } = localTime(epochMs, window.tz);
  const dayName = DAY_NAMES[day]!;
  if (window.fromMinute < window.toMinute) {
    return window.days.includes(dayName) && minute >= window.fromMinute && minute < window.toMinute;
  }
  if (minute >= window.fromMinute) return window.days.includes(dayName);
  const previous = DAY_NAMES[(day + 6) % 7]!;
  return minute < window.toMinute && window.days.includes(previous);
}
