import { describe, expect, it } from "vitest";
import {
  inWindow,
  isTimeZone,
  localTime,
  type TimeWindow,
} from "../../../shared/domain/config/time-window.ts";

const weekdays: TimeWindow = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  fromMinute: 7 * 60,
  toMinute: 20 * 60,
  tz: "Europe/Berlin",
  text: "mon-fri 07:00–20:00 Europe/Berlin",
};
const night: TimeWindow = {
  days: ["fri"],
  fromMinute: 22 * 60,
  toMinute: 6 * 60,
  tz: "UTC",
  text: "fri 22:00–06:00 UTC",
};

describe("localTime", () => {
  it("follows the switch to summer time in Berlin (last Sunday of March)", () => {
    // 00:59 UTC is 01:59 CET; one minute later, 01:00 UTC, clocks jump to 03:00 CEST.
    expect(localTime(Date.parse("2026-03-29T00:59:00Z"), "Europe/Berlin")).toEqual({
      day: 6,
      minute: 1 * 60 + 59,
    });
    expect(localTime(Date.parse("2026-03-29T01:00:00Z"), "Europe/Berlin")).toEqual({
      day: 6,
      minute: 3 * 60,
    });
  });

  it("follows the switch back to winter time in Berlin (last Sunday of October)", () => {
    expect(localTime(Date.parse("2026-10-25T00:59:00Z"), "Europe/Berlin")).toEqual({
      day: 6,
      minute: 2 * 60 + 59,
    });
    expect(localTime(Date.parse("2026-10-25T01:00:00Z"), "Europe/Berlin")).toEqual({
      day: 6,
      minute: 2 * 60,
    });
  });

  it("handles zones with quarter-hour offsets", () => {
    expect(localTime(Date.parse("2026-01-05T00:00:00Z"), "Asia/Kathmandu")).toEqual({
      day: 0,
      minute: 5 * 60 + 45,
    });
  });
});

describe("inWindow", () => {
  it("uses local time, so 06:30 UTC is inside a 07:00 Berlin window in winter and in summer", () => {
    expect(inWindow(weekdays, Date.parse("2026-01-06T06:30:00Z"))).toBe(true); // 07:30 CET
    expect(inWindow(weekdays, Date.parse("2026-07-07T05:30:00Z"))).toBe(true); // 07:30 CEST
    expect(inWindow(weekdays, Date.parse("2026-07-07T04:30:00Z"))).toBe(false); // 06:30 CEST
    expect(inWindow(weekdays, Date.parse("2026-01-06T05:30:00Z"))).toBe(false); // 06:30 CET
  });

  it("excludes the end minute and the undeclared days", () => {
    expect(inWindow(weekdays, Date.parse("2026-01-06T19:00:00Z"))).toBe(false); // 20:00 CET
    expect(inWindow(weekdays, Date.parse("2026-01-10T10:00:00Z"))).toBe(false); // Saturday
  });

  it("lets a window run past midnight into the next day", () => {
    expect(inWindow(night, Date.parse("2026-01-09T23:00:00Z"))).toBe(true); // Fri 23:00
    expect(inWindow(night, Date.parse("2026-01-10T05:59:00Z"))).toBe(true); // Sat 05:59, started Friday
    expect(inWindow(night, Date.parse("2026-01-10T06:00:00Z"))).toBe(false);
    expect(inWindow(night, Date.parse("2026-01-10T23:00:00Z"))).toBe(false); // Saturday night
  });
});

describe("isTimeZone", () => {
  it("accepts canonical zones, UTC, and the aliases and spellings a DateTimeFormat accepts", () => {
    for (const tz of [
      "Europe/Berlin",
      "UTC",
      "Asia/Kolkata",
      "Asia/Calcutta",
      "europe/berlin",
      "Etc/GMT+5",
    ]) {
      expect(isTimeZone(tz), tz).toBe(true);
    }
  });

  it("refuses names that are no time zone", () => {
    for (const tz of ["Europe/Berlinn", "Mars/Olympus_Mons", "", "Berlin"])
      expect(isTimeZone(tz), tz).toBe(false);
  });
});
