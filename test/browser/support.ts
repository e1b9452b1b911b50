import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { inject } from "vitest";
import { type RunningConsole, startConsole } from "../../shared/adapters/console/server.ts";
import { SqliteConsoleViews } from "../../shared/adapters/console/sqlite-console-views.ts";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { SqliteExceptionStore } from "../../shared/adapters/sqlite-exceptions.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { SqlitePlaybookRunStore } from "../../shared/adapters/sqlite-playbook-runs.ts";
import { requestApprovals } from "../../shared/domain/approvals/open.ts";
import { decideApproval } from "../../shared/domain/approvals/vote.ts";
import { grantException } from "../../shared/domain/exceptions/grant.ts";
import { revokeException } from "../../shared/domain/exceptions/revoke.ts";
import type { ExecutorDeps } from "../../shared/domain/playbooks/executor.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { ensureChromium } from "../setup/chromium.ts";
import { hostileExposure, SEEDED_AT, seedConsoleStore } from "../support/console-store.ts";
import { configOf } from "../support/context.ts";
import { FakeIam, FakeNotifier, FakeSecrets } from "../support/playbooks.ts";

/** The flags the browser tests start Chromium with: headless, and no traffic to Google's hosts. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Debian's Chromium with a fresh, empty profile (its own --user-data-dir), downloads accepted.
 * `executable` defaults to what the chromium global setup provided, or, where that setup is not
 * registered, to what the same logic finds (installing it as root when missing).
 */
export async function launchChromium(
  executable: string = inject("chromiumPath") || ensureChromium(),
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A console on a seeded store in a temporary folder, with a clock the test moves. */
export interface SeededConsole {
  readonly url: string;
  readonly path: string;
  readonly clock: Clock & { at: number };
  /** The fake IAM account approved playbooks act on. */
  readonly iam: FakeIam;
  readonly approvals: SqliteApprovalStore;
  readonly exceptions: SqliteExceptionStore;
  close(): Promise<void>;
}

/** Approval requests stay open this long in the seeded console. */
export const APPROVAL_TTL_MS = 30 * 60_000;

/**
 * Seeds a store through the real adapters, opens an approval request for the hostile exposure with
 * the real use case, and serves the console on it at a free port as operator `alice`. Approving runs
 * the playbook through the real executor against a fake IAM account, into the store's run table.
 */
export async function seededConsole(): Promise<SeededConsole> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-console-browser-"));
  const path = join(dir, "vigil.db");
  await seedConsoleStore(path);
  const clock = {
    at: SEEDED_AT,
    now() {
      return this.at;
    },
  };
  const config = configOf({ approvals: { approvers: ["alice"], ttlMinutes: APPROVAL_TTL_MS / 60_000 } });
  const views = new SqliteConsoleViews(path);
  const ledger = new SqliteLedger(path);
  const runs = new SqlitePlaybookRunStore(path);
  const approvals = new SqliteApprovalStore(path);
  const exceptions = new SqliteExceptionStore(path);
  const iam = new FakeIam().addRole("etl");
  const notifier = new FakeNotifier();
  let n = 0;
  const newId = () => `id-${++n}`;
  const executor: ExecutorDeps = {
    iam,
    secrets: new FakeSecrets(),
    notifier,
    store: runs,
    clock,
    newId,
    sleep: async () => {},
    random: () => 0.5,
    guards: { config },
  };
  const voteDeps = {
    approvals,
    ledger,
    clock,
    newId,
    policy: config.approvals,
    notifier,
    executor,
    exceptions,
  };
  await requestApprovals([hostileExposure()], voteDeps);
  const exceptionDeps = { exceptions, ledger, clock, newId, policy: config.exceptions };
  const running: RunningConsole = await startConsole(
    {
      views,
      ledger,
      runs,
      clock,
      secret: randomBytes(32),
      operator: "alice",
      approvals: { list: () => approvals.list(), decide: (id, vote) => decideApproval(id, vote, voteDeps) },
      exceptions: {
        list: () => exceptions.list(),
        grant: (request) => grantException(request, exceptionDeps),
        revoke: (id, request) => revokeException(id, request, exceptionDeps),
        maxHours: config.exceptions.maxHours,
      },
    },
    { host: "127.0.0.1", port: 0 },
  );
  return {
    url: running.url,
    path,
    clock,
    iam,
    approvals,
    exceptions,
    close: async () => {
      await running.close();
      for (const store of [views, ledger, runs, approvals, exceptions]) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
