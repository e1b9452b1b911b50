const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a CloudTrail `eventTime` to epoch milliseconds. Accepts ISO 8601 (`2024-05-01T12:00:00Z`,
 * with fractions or an offset) and the `2024-05-01 12:00:00` form some exporters write, read as UTC.
 * Returns undefined for anything else, including impossible dates such as February 30.
 */
export function parseEventTime(text: string): number | undefined {
  // Most times read "YYYY-MM-DDTHH:MM:SSZ", and records (and the sessions they name) share minutes:
  // the epoch of the last two minutes seen is kept, so most parses are a prefix compare.
  const canonical = text.length === 20 && text.charCodeAt(19) === 90;
  if (canonical) {
    const base = text.startsWith(minutes[0])
      ? epochs[0]
      : text.startsWith(minutes[1])
        ? epochs[1]
        : undefined;
    if (base !== undefined) {
      const tens = text.charCodeAt(17) - 48;
      const ones = text.charCodeAt(18) - 48;
      if (tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9) return base + (tens * 10 + ones) * 1000;
    }
  }
  const epoch = parseIso(text);
  if (epoch !== undefined && canonical) {
    next ^= 1;
    minutes[next] = text.slice(0, 17);
    epochs[next] = epoch - (epoch % 60_000);
  }
  return epoch;
}

const minutes: [string, string] = ["\u0000", "\u0000"];
const epochs: [number, number] = [0, 0];
let next = 0;

function parseIso(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  let epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(epoch);
  const outOfRange = Number(h) > 23 || Number(mi) > 59 || Number(s) > 59;
  if (outOfRange || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) {
    return undefined;
  }
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return epoch;
}
