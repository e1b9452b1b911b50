import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type SeededConsole, seededConsole } from "./support.ts";

let browser: { context: BrowserContext; close: () => Promise<void> };
let site: SeededConsole;
let page: Page;

beforeAll(async () => {
  [browser, site] = await Promise.all([launchChromium(), seededConsole()]);
  page = await browser.context.newPage();
});
afterAll(async () => {
  await page?.close();
  await browser?.close();
  await site?.close();
});

describe("console in Chromium: exceptions", () => {
  it("grants an exception with its time left, then revokes it with a reason", async () => {
    await page.goto(`${site.url}/exceptions`);
    await page.getByLabel("Credential, principal or pattern").fill("access-key:AKIAEXAMPLE000000001");
    await page.getByLabel(/^Hours/).fill("2");
    await page.getByLabel("Reason (required)").fill("incident 4711: CI must keep deploying");
    await page.getByRole("button", { name: "Grant" }).click();
    await page.waitForURL(/\/exceptions\?ok=granted/);
    const active = page.locator("article.exception").first();
    expect(await page.locator("#active").innerText()).toBe("Active (1)");
    expect(await active.innerText()).toContain("access-key AKIAEXAMPLE000000001");
    expect(await active.locator(".time-left").innerText()).toContain("2 h 00 min left");

    site.clock.at += 30 * 60_000;
    await page.reload();
    expect(await active.locator(".time-left").innerText()).toContain("1 h 30 min left");
    await active.getByLabel("Reason to revoke (required)").fill("incident closed");
    await active.getByRole("button", { name: "Revoke" }).click();
    await page.waitForURL(/\/exceptions\?ok=revoked/);
    expect(await page.locator("#active").innerText()).toBe("Active (0)");
    expect(await page.locator("article.exception").first().innerText()).toContain("revoked");
    expect((await site.exceptions.list())[0]?.revoked?.reason).toBe("incident closed");
  });

  it("refuses a grant longer than the configured maximum, saying so", async () => {
    await page.goto(`${site.url}/exceptions`);
    await page.getByLabel("Credential, principal or pattern").fill("access-key:AKIAEXAMPLE000000001");
    await page.getByLabel(/^Hours/).evaluate((el) => el.removeAttribute("max"));
    await page.getByLabel(/^Hours/).fill("1000");
    await page.getByLabel("Reason (required)").fill("too long");
    await page.getByRole("button", { name: "Grant" }).click();
    expect(await page.locator(".notice.error").innerText()).toMatch(
      /not granted: a duration of 1000 hours is longer/,
    );
  });
});
