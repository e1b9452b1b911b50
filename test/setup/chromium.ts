import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { TestProject } from "vitest/node";

/**
 * vitest global setup: the headless Chromium the browser tests (test/browser/**) drive through
 * playwright-core. It uses Debian's Chromium at /usr/bin/chromium (or `VIGIL_TEST_CHROMIUM`); when it
 * is missing and the run is root (as in CI) it installs it with `apt-get install -y chromium`,
 * otherwise it stops with the command to run. Playwright's own browser download is never used. When
 * the run contains no browser test it does nothing.
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** The Chromium executable; empty when no browser test runs. */
    chromiumPath: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");
const BROWSER = join(ROOT, "test", "browser");
const DEFAULT_CHROMIUM = "/usr/bin/chromium";

class ChromiumSetupError extends Error {
  override name = "ChromiumSetupError";
}

const FIX =
  "To fix: install Debian's Chromium (as root: apt-get update && apt-get install -y chromium), or set " +
  "VIGIL_TEST_CHROMIUM to a Chromium or Chrome executable. Do not run 'playwright install': the tests use the system browser.";

export default async function setup(project: TestProject): Promise<void> {
  project.provide("chromiumPath", "");
  if (!(await runsBrowserTests(project))) return;
  project.provide("chromiumPath", ensureChromium());
}

/** Whether the files this run selected include a browser test (all of them when filters are unknown). */
async function runsBrowserTests(project: TestProject): Promise<boolean> {
  // `filenamePattern` holds the CLI's file filters; it is internal to vitest, so read it defensively.
  const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
  const list = Array.isArray(filters) ? filters.filter((f): f is string => typeof f === "string") : [];
  const { testFiles } = await project.globTestFiles(list);
  return testFiles.some((file) => !relative(BROWSER, file).startsWith(".."));
}

/** The Chromium to launch: the configured one, Debian's, or Debian's after installing it as root. */
export function ensureChromium(): string {
  const configured = process.env.VIGIL_TEST_CHROMIUM;
  if (configured !== undefined && configured !== "") {
    if (!existsSync(configured))
      throw new ChromiumSetupError(`VIGIL_TEST_CHROMIUM=${configured} does not exist. ${FIX}`);
    return configured;
  }
  if (existsSync(DEFAULT_CHROMIUM)) return DEFAULT_CHROMIUM;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    throw new ChromiumSetupError(
      `the browser tests need Chromium at ${DEFAULT_CHROMIUM}, and this run cannot install it (${root ? "no apt-get" : "not root"}). ${FIX}`,
    );
  }
  // apt-get takes its own lock: parallel runs wait for each other (up to 10 minutes).
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["-o", "DPkg::Lock::Timeout=600", "update"],
    ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "chromium"],
  ]) {
    const result = spawnSync("apt-get", args, { env, encoding: "utf8", timeout: 900_000 });
    if (result.error !== undefined || result.status !== 0) {
      const output = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
      throw new ChromiumSetupError(
        `apt-get ${args.slice(2).join(" ")} failed (${result.error?.message ?? `exit code ${result.status}`}):\n${output}\n${FIX}`,
      );
    }
  }
  if (!existsSync(DEFAULT_CHROMIUM)) {
    throw new ChromiumSetupError(
      `apt-get installed chromium but ${DEFAULT_CHROMIUM} is still missing. ${FIX}`,
    );
  }
  return DEFAULT_CHROMIUM;
}
