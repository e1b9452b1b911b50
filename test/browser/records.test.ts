import { readFileSync } from "node:fs";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_AGENT, HOSTILE_SESSION } from "../support/console-store.ts";
import { launchChromium, type SeededConsole, seededConsole } from "./support.ts";

let browser: { context: BrowserContext; close: () => Promise<void> };
let console_: SeededConsole;

beforeAll(async () => {
  [browser, console_] = await Promise.all([launchChromium(), seededConsole()]);
});

afterAll(async () => {
  await browser?.close();
  await console_?.close();
});

describe("console in Chromium: records and escaping", () => {
  it("shows a session name and user agent carrying script as text, and runs none of it", async () => {
    const page = await browser.context.newPage();
    for (const path of ["/", "/quarantines", "/records"]) {
      await page.goto(`${console_.url}${path}`);
      if (path === "/records") await page.locator("#record-1 details summary").click();
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), path).toBeUndefined();
      expect(await page.locator("script").count(), path).toBe(0);
      expect(await page.locator("img").count(), path).toBe(0);
      await expect
        .poll(() => page.locator("main").innerText(), { timeout: 5_000 })
        .toContain(path === "/records" ? HOSTILE_AGENT : HOSTILE_SESSION);
    }
    await page.close();
  });

  it("downloads the records as JSON Lines, CSV and an audit report", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${console_.url}/records`);
    await expect
      .poll(() => page.locator(".verdict").innerText())
      .toContain("Chain intact: 3 records verified");
    const names: string[] = [];
    for (const label of ["JSON Lines", "CSV", "Audit report (Markdown)"]) {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: label }).click(),
      ]);
      names.push(download.suggestedFilename());
      const text = readFileSync((await download.path())!, "utf8");
      if (label === "JSON Lines")
        expect(
          text
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l).seq),
        ).toEqual([1, 2, 3]);
      if (label === "CSV") expect(text.split("\r\n")[0]).toMatch(/^seq,time,actor_kind/);
      if (label.startsWith("Audit")) expect(text).toMatch(/^# /);
    }
    expect(names).toEqual([
      "vigil-records-2026-03-10.jsonl",
      "vigil-records-2026-03-10.csv",
      "vigil-records-2026-03-10.md",
    ]);
    await page.close();
  });
});
