import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import type { TestProject } from "vitest/node";

/**
 * vitest global setup: the moto server the integration tests (test/integration/**) talk to with the real
 * AWS SDK v3 clients. It installs `moto[server]` at a pinned version into a Python virtual environment
 * at `.venv-moto/` when missing (quick when present), starts it on a free 127.0.0.1 port, waits until it
 * answers, provides its URL as `inject("motoEndpoint")` (and the environment's Python as
 * `inject("motoPython")`) and stops it at teardown. When the run contains
 * no integration test it does nothing. `VIGIL_TEST_MOTO_ENDPOINT=http://…` uses a moto server started
 * elsewhere instead; `VIGIL_TEST_PYTHON` names the Python 3 to build the environment with, and
 * `VIGIL_TEST_MOTO_VENV` another place for it (e.g. a CI cache).
 */

/** The moto release the integration tests are written against. */
export const MOTO_VERSION = "5.2.5";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the moto server, e.g. http://127.0.0.1:45123; empty when no integration test runs. */
    motoEndpoint: string;
    /**
     * The Python of the moto environment, for tests that use moto's own implementation of an AWS
     * algorithm (EventBridge pattern matching) where its server does not serve it; empty when no
     * integration test runs.
     */
    motoPython: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");
const VENV = resolve(ROOT, process.env.VIGIL_TEST_MOTO_VENV ?? ".venv-moto");
const MARKER = join(VENV, "vigil-moto-version");
const LOCK = `${VENV}.lock`;
const INTEGRATION = join(ROOT, "test", "integration");

class MotoSetupError extends Error {
  override name = "MotoSetupError";
}

const FIX =
  "To fix: install Python 3.9+ with its venv module (Debian/Ubuntu: apt-get install python3-venv; " +
  "or set VIGIL_TEST_PYTHON to a python3), make sure pip can reach PyPI (or set PIP_INDEX_URL), delete " +
  `${relative(ROOT, VENV) || VENV}/ and run the tests again; or start moto yourself and set VIGIL_TEST_MOTO_ENDPOINT=http://127.0.0.1:PORT.`;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide("motoEndpoint", "");
  project.provide("motoPython", "");
  if (!(await runsIntegrationTests(project))) return undefined;
  const python = await ensureMoto();
  project.provide("motoPython", python);
  const external = process.env.VIGIL_TEST_MOTO_ENDPOINT;
  if (external !== undefined && external !== "") {
    await waitUntilAnswering(external, undefined, 30_000);
    project.provide("motoEndpoint", external);
    return undefined;
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    // AWS managed policies (AWSDenyAll, AWSCompromisedKeyQuarantineV3) exist only when moto loads them.
    env: { ...process.env, PYTHONUNBUFFERED: "1", MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
  });
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-4000);
  });
  try {
    await waitUntilAnswering(endpoint, server, 60_000, () => log);
  } catch (error) {
    server.kill("SIGKILL");
    throw error;
  }
  project.provide("motoEndpoint", endpoint);
  return () => stop(server);
}

/** Whether the files this run selected include an integration test (all of them when filters are unknown). */
async function runsIntegrationTests(project: TestProject): Promise<boolean> {
  // `filenamePattern` holds the CLI's file filters; it is internal to vitest, so read it defensively.
  const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
  const list = Array.isArray(filters) ? filters.filter((f): f is string => typeof f === "string") : [];
  const { testFiles } = await project.globTestFiles(list);
  return testFiles.some((file) => !relative(INTEGRATION, file).startsWith(".."));
}

/** Installs moto into .venv-moto/ unless the pinned version is already there; returns its python. */
async function ensureMoto(): Promise<string> {
  const python = join(VENV, process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
  if (installed(python)) return python;
  await withLock(async () => {
    if (installed(python)) return;
    const base = process.env.VIGIL_TEST_PYTHON ?? "python3";
    rmSync(VENV, { recursive: true, force: true });
    run(base, ["-m", "venv", VENV], `could not create a Python virtual environment with "${base} -m venv"`);
    run(
      python,
      ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", `moto[server]==${MOTO_VERSION}`],
      `could not install moto[server]==${MOTO_VERSION} into .venv-moto/ with pip`,
    );
    writeFileSync(MARKER, `${MOTO_VERSION}\n`);
  });
  return python;
}

function installed(python: string): boolean {
  return existsSync(python) && existsSync(MARKER) && readFileSync(MARKER, "utf8").trim() === MOTO_VERSION;
}

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  if (result.error !== undefined || result.status !== 0) {
    const output = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
    const why = result.error?.message ?? `exit code ${result.status}`;
    throw new MotoSetupError(`${what} (${why}).\n${output}\n${FIX}`);
  }
}

/** Serializes installs of parallel test runs in this checkout: a lock directory holding the owner's pid. */
async function withLock(body: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (!ownerAlive()) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new MotoSetupError(
          `another test run has held ${LOCK} for 10 minutes while installing moto. ${FIX}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    writeFileSync(join(LOCK, "pid"), String(process.pid));
    await body();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function ownerAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(LOCK, "pid"), "utf8"));
  } catch {
    return true; // the owner has not written its pid yet
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A port that was free a moment ago on 127.0.0.1 (moto cannot be told to pick one itself). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilAnswering(
  endpoint: string,
  server: ChildProcess | undefined,
  timeoutMs: number,
  log: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server !== undefined && server.exitCode !== null) {
      throw new MotoSetupError(
        `moto server exited with code ${server.exitCode} before answering:\n${log()}\n${FIX}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new MotoSetupError(
          `moto server at ${endpoint} did not answer within ${timeoutMs / 1000} s:\n${log()}\n${FIX}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function stop(server: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (server.exitCode !== null || server.signalCode !== null) {
      done();
      return;
    }
    const timer = setTimeout(() => server.kill("SIGKILL"), 5_000);
    server.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    server.kill("SIGTERM");
  });
}
