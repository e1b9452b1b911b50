// Screenshots of the console's main pages for the README, desktop and phone, into docs/screenshots/.
// Run with `npm run screenshots` (node --import tsx test/browser/screenshots.ts); it serves a seeded
// store exactly as the browser tests do, in Debian's Chromium (VIGIL_TEST_CHROMIUM overrides the path).
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { credentialScope, grantException } from "../../shared/domain/exceptions/grant.ts";
import { ensureChromium } from "../setup/chromium.ts";
import { configOf } from "../support/context.ts";
import { launchChromium, seededConsole } from "./support.ts";

const OUT = resolve(import.meta.dirname, "../../docs/screenshots");
const PAGES = [
  ["exposures", "/"],
  ["approvals", "/approvals"],
  ["exceptions", "/exceptions"],
  ["quarantines", "/quarantines"],
  ["records", "/records"],
] as const;
const VIEWPORTS = [
  ["desktop", { width: 1280, height: 900 }],
  ["phone", { width: 390, height: 844 }],
] as const;

mkdirSync(OUT, { recursive: true });
const site = await seededConsole();
const ledger = new SqliteLedger(site.path);
await grantException(
  {
    scope: credentialScope("access-key:AKIAEXAMPLE000000001"),
    hours: 4,
    reason: "incident 4711: CI must keep deploying while the key is rotated",
    by: "alice",
  },
  {
    exceptions: site.exceptions,
    ledger,
    clock: site.clock,
    newId: () => "exc-1",
    policy: configOf().exceptions,
  },
);
ledger.close();
site.clock.at += 25 * 60_000;
const browser = await launchChromium(ensureChromium());
try {
  for (const [device, viewport] of VIEWPORTS) {
    const page = await browser.context.newPage();
    await page.setViewportSize(viewport);
    for (const [name, path] of PAGES) {
      await page.goto(`${site.url}${path}`);
      const file = `${OUT}/${name}-${device}.png`;
      await page.screenshot({ path: file, fullPage: device === "desktop" });
      process.stdout.write(`${file}\n`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  await site.close();
}
