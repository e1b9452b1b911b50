import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEEDED_AT } from "../support/console-store.ts";
import { APPROVAL_TTL_MS, launchChromium, type SeededConsole, seededConsole } from "./support.ts";

let browser: { context: BrowserContext; close: () => Promise<void> };
let site: SeededConsole;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  site = await seededConsole();
  page = await browser.context.newPage();
});
afterEach(async () => {
  await page?.close();
  await site?.close();
});

const card = () => page.locator("article.approval").first();

describe("console in Chromium: approvals", () => {
  it("approves a pending request with a reason: the playbook runs and the quarantine shows", async () => {
    await page.goto(`${site.url}/approvals`);
    await expect.poll(() => card().innerText()).toContain("Exact steps");
    expect(await card().innerText()).toContain("deny every action to role etl");
    expect(await card().locator(".time-left").innerText()).toContain("30 min left");
    await card().getByLabel("Reason (required)").fill("confirmed with data-team: not the nightly job");
    await card().getByRole("button", { name: "Approve and run" }).click();
    await page.waitForURL(/\/approvals\?ok=approved/);
    expect(await page.locator(".notice.ok").innerText()).toMatch(/approved: its playbook ran/);
    expect(await page.locator("#pending").innerText()).toBe("Pending (0)");
    expect((await site.approvals.list())[0]?.status).toBe("approved");
    expect(site.iam.calls.some(([operation]) => operation === "PutPolicy")).toBe(true);
    await page.goto(`${site.url}/quarantines`);
    expect(await page.locator("li.quarantine").first().innerText()).toContain("quarantined");
    await page.goto(`${site.url}/records`);
    expect(await page.locator("main").innerText()).toContain("confirmed with data-team: not the nightly job");
  });

  it("refuses to approve without a reason, server-side", async () => {
    await page.goto(`${site.url}/approvals`);
    await card()
      .getByLabel("Reason (required)")
      .evaluate((el) => el.removeAttribute("required"));
    await card().getByRole("button", { name: "Approve and run" }).click();
    expect(await page.locator(".notice.error").innerText()).toContain("needs a reason");
    expect((await site.approvals.list())[0]?.status).toBe("pending");
  });

  it("denies a pending request with a reason: nothing runs and it can no longer be approved", async () => {
    await page.goto(`${site.url}/approvals`);
    await card().getByLabel("Reason (required)").fill("expected: DR drill");
    await card().getByRole("button", { name: "Deny" }).click();
    await page.waitForURL(/\/approvals\?ok=denied/);
    expect(await page.locator(".notice.ok").innerText()).toContain("denied: nothing runs");
    expect(await card().innerText()).toContain("denied");
    expect(await card().getByRole("button", { name: "Approve and run" }).count()).toBe(0);
    expect(site.iam.calls).toEqual([]);
  });

  it("refuses to approve a request that expired while its page was open, and shows it expired", async () => {
    await page.goto(`${site.url}/approvals`);
    await card().getByLabel("Reason (required)").fill("looks right");
    site.clock.at = SEEDED_AT + APPROVAL_TTL_MS;
    await card().getByRole("button", { name: "Approve and run" }).click();
    const notice = await page.locator(".notice.error").innerText();
    expect(notice).toMatch(/expired at 2026-03-10T12:30:00.000Z, before your approve/);
    expect(notice).toContain("nothing was executed");
    expect(site.iam.calls).toEqual([]);
    const expired = page.locator("#approval-id-1");
    expect(await expired.innerText()).toContain("expired");
    expect(await expired.getByRole("button").count()).toBe(0);
  });
});
