import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../../../shared/domain/config/schema.ts";
import { outsideWindow } from "../../../shared/domain/detections/outside-window.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

type Windows = NonNullable<NonNullable<ConfigInput["profiles"]>[number]["windows"]>;

const SUNDAY_DAYTIME_BERLIN: Windows = [{ days: ["sun"], from: "07:00", to: "20:00", tz: "Europe/Berlin" }];

function evaluateAt(eventTime: string, windows: Windows = SUNDAY_DAYTIME_BERLIN) {
  const config = configOf({
    profiles: [{ id: "nightly-batch", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, windows }],
  });
  const use = useOf(userKeyRecord({ eventTime }));
  return outsideWindow.evaluate(use, contextFor(use, { config }));
}

describe("outsideWindow", () => {
  it("declares its id and weight", () => {
    expect(outsideWindow.id).toBe("outside-window");
    expect(outsideWindow.weight).toBe(10);
  });

  it("fires outside the declared window and shows local weekday, time, instant and the declared windows", () => {
    const signal = evaluateAt("2026-03-03T21:15:00Z");
    expect(signal?.id).toBe("outside-window");
    expect(signal?.reason).toContain("access key AKIAEXAMPLE000000001 used Tue 22:15 Europe/Berlin");
    expect(signal?.reason).toContain("2026-03-03T21:15:00.000Z");
    expect(signal?.reason).toContain('profile "nightly-batch" (sun 07:00–20:00 Europe/Berlin)');
  });

  it("stays quiet inside the declared window", () => {
    expect(evaluateAt("2026-03-01T12:00:00Z")).toBeUndefined();
  });

  it("stays quiet when the profile declares no windows", () => {
    const config = configOf({
      profiles: [{ id: "orders-api", match: { roles: [`arn:aws:iam::${ACCOUNT}:role/orders-api`] } }],
    });
    const use = useOf(roleSessionRecord({ eventTime: "2026-03-03T03:00:00Z" }));
    expect(outsideWindow.evaluate(use, contextFor(use, { config }))).toBeUndefined();
  });

  it("stays quiet for a credential no profile declares", () => {
    const use = useOf(userKeyRecord({ eventTime: "2026-03-03T03:00:00Z" }));
    expect(outsideWindow.evaluate(use, contextFor(use))).toBeUndefined();
  });

  it("stays quiet when any one of several windows holds the call", () => {
    const windows: Windows = [
      ...SUNDAY_DAYTIME_BERLIN,
      { days: ["tue"], from: "22:00", to: "23:00", tz: "Europe/Berlin" },
    ];
    expect(evaluateAt("2026-03-03T21:15:00Z", windows)).toBeUndefined();
  });

  it("shows the local time in the first window's time zone and lists every window", () => {
    const windows: Windows = [
      { days: ["mon"], from: "09:00", to: "17:00", tz: "America/New_York" },
      ...SUNDAY_DAYTIME_BERLIN,
    ];
    const signal = evaluateAt("2026-03-03T21:15:00Z", windows);
    expect(signal?.reason).toContain("used Tue 16:15 America/New_York");
    expect(signal?.reason).toContain("mon 09:00–17:00 America/New_York; sun 07:00–20:00 Europe/Berlin");
  });

  it("treats a window past midnight as belonging to the day it starts", () => {
    const windows: Windows = [{ days: ["sat"], from: "22:00", to: "02:00", tz: "UTC" }];
    expect(evaluateAt("2026-03-08T01:30:00Z", windows)).toBeUndefined();
    expect(evaluateAt("2026-03-09T01:30:00Z", windows)?.reason).toContain("used Mon 01:30 UTC");
  });

  describe("across the spring change in Europe/Berlin (last Sunday of March 2026, CET→CEST at 01:00 UTC)", () => {
    it("counts 05:30 UTC as 07:30 local, inside the window", () => {
      expect(evaluateAt("2026-03-29T05:30:00Z")).toBeUndefined();
    });

    it("counts 04:30 UTC as 06:30 local, before the window", () => {
      expect(evaluateAt("2026-03-29T04:30:00Z")?.reason).toContain("used Sun 06:30 Europe/Berlin");
    });

    it("counts 18:30 UTC as 20:30 local, after the window", () => {
      expect(evaluateAt("2026-03-29T18:30:00Z")?.reason).toContain("used Sun 20:30 Europe/Berlin");
    });
  });

  describe("across the autumn change in Europe/Berlin (last Sunday of October 2026, CEST→CET at 01:00 UTC)", () => {
    it("counts 05:30 UTC as 06:30 local, before the window", () => {
      expect(evaluateAt("2026-10-25T05:30:00Z")?.reason).toContain("used Sun 06:30 Europe/Berlin");
    });

    it("counts 06:30 UTC as 07:30 local and 18:59 UTC as 19:59 local, inside the window", () => {
      expect(evaluateAt("2026-10-25T06:30:00Z")).toBeUndefined();
      expect(evaluateAt("2026-10-25T18:59:00Z")).toBeUndefined();
    });

    it("counts 19:00 UTC as 20:00 local, the window's exclusive end", () => {
      expect(evaluateAt("2026-10-25T19:00:00Z")?.reason).toContain("used Sun 20:00 Europe/Berlin");
    });
  });
});
