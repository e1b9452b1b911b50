import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningConsole, startConsole } from "../../../shared/adapters/console/server.ts";
import { SqliteConsoleViews } from "../../../shared/adapters/console/sqlite-console-views.ts";
import { SqliteLedger } from "../../../shared/adapters/sqlite-ledger.ts";
import { SqlitePlaybookRunStore } from "../../../shared/adapters/sqlite-playbook-runs.ts";
import { CSRF_COOKIE, csrfToken } from "../../../shared/console/csrf.ts";
import { SEEDED_AT, seedConsoleStore } from "../../support/console-store.ts";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: options.method ?? "GET", headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const secret = randomBytes(32);
const cookie = randomBytes(32).toString("base64url");
let dir: string;
let running: RunningConsole;
let close: () => void;
const posted: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-console-"));
  const path = join(dir, "vigil.db");
  await seedConsoleStore(path);
  const views = new SqliteConsoleViews(path);
  const ledger = new SqliteLedger(path);
  const runs = new SqlitePlaybookRunStore(path);
  running = await startConsole(
    { views, ledger, runs, clock: { now: () => SEEDED_AT }, secret, operator: "alice" },
    {
      host: "127.0.0.1",
      port: 0,
      posts: {
        "/probe": async (r, form) => {
          posted.push(form.get("note") ?? "");
          r.res.writeHead(204).end();
        },
        "/fails": async () => {
          throw new Error("boom <b>");
        },
      },
    },
  );
  close = () => {
    views.close();
    ledger.close();
    runs.close();
  };
});

afterAll(async () => {
  await running.close();
  close();
  rmSync(dir, { recursive: true, force: true });
});

const form = (body: string, extra: Record<string, string> = {}) => ({
  method: "POST",
  headers: {
    "Content-Type": "application/x-www-form-urlencoded",
    Cookie: `${CSRF_COOKIE}=${cookie}`,
    Origin: running.url,
    ...extra,
  },
  body,
});

describe("console server", () => {
  it("serves every page with the security headers and a SameSite=Strict console cookie", async () => {
    for (const path of ["/", "/quarantines", "/records"]) {
      const reply = await call(running.url, path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers["content-security-policy"]).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(reply.headers["x-content-type-options"]).toBe("nosniff");
      expect(reply.headers["referrer-policy"]).toBe("same-origin");
      expect(String(reply.headers["set-cookie"])).toMatch(
        new RegExp(`^${CSRF_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`),
      );
      expect(reply.body).not.toContain("<script");
    }
  });

  it("shows the seeded exposures, quarantines and records, escaped", async () => {
    const exposures = await call(running.url, "/");
    expect(exposures.body).toContain("#1 <code>role-session</code>");
    expect(exposures.body).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    const quarantines = await call(running.url, "/quarantines");
    expect(quarantines.body).toContain("for 2 h 00 min");
    expect(quarantines.body).toContain("false positive: nightly ETL");
    const records = await call(running.url, "/records");
    expect(records.body).toContain("Chain intact</strong>: 2 records verified");
    expect(records.body).not.toContain("<img");
  });

  it("refuses a request naming another host (DNS rebinding)", async () => {
    const reply = await call(running.url, "/", { headers: { Host: "attacker.example:80" } });
    expect(reply.status).toBe(421);
    expect(reply.body).toContain("not &quot;attacker.example:80&quot;");
  });

  it("downloads exports as attachments, filtered by the page's filter", async () => {
    const csv = await call(running.url, "/records/export?format=csv&subject=vigil");
    expect(csv.headers["content-disposition"]).toBe('attachment; filename="vigil-records-2026-03-10.csv"');
    expect(csv.body.trim().split("\r\n")).toHaveLength(2);
    const jsonl = await call(running.url, "/records/export?format=jsonl");
    expect(jsonl.body.trim().split("\n")).toHaveLength(2);
    const report = await call(running.url, "/records/export?format=report");
    expect(report.headers["content-type"]).toBe("text/markdown; charset=utf-8");
    expect((await call(running.url, "/records/export?format=xml")).status).toBe(400);
  });

  it("serves its style sheet and answers unknown pages and methods with an error page", async () => {
    const css = await call(running.url, "/static/console.css");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await call(running.url, "/<b>")).body).toContain("no page &quot;/%3Cb%3E&quot;");
    expect((await call(running.url, "/", { method: "DELETE" })).status).toBe(405);
  });

  it("accepts a form with the cookie's token from its own origin", async () => {
    const reply = await call(running.url, "/probe", form(`note=ok&csrf=${csrfToken(secret, cookie)}`));
    expect(reply.status).toBe(204);
    expect(posted).toContain("ok");
  });

  it("refuses a form without the right token, from another origin, or of another type", async () => {
    const token = csrfToken(secret, cookie);
    const wrong = await call(running.url, "/probe", form("note=no-token"));
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain("reload the page");
    const other = await call(
      running.url,
      "/probe",
      form(`note=x&csrf=${csrfToken(randomBytes(32), cookie)}`),
    );
    expect(other.status).toBe(403);
    const foreign = await call(
      running.url,
      "/probe",
      form(`note=x&csrf=${token}`, { Origin: "http://evil.example" }),
    );
    expect(foreign.status).toBe(403);
    const json = await call(
      running.url,
      "/probe",
      form(`{"note":"x"}`, { "Content-Type": "application/json" }),
    );
    expect(json.status).toBe(415);
    expect(posted).toEqual(["ok"]);
  });

  it("shows a failing action's message escaped, with status 500", async () => {
    const reply = await call(running.url, "/fails", form(`csrf=${csrfToken(secret, cookie)}`));
    expect(reply.status).toBe(500);
    expect(reply.body).toContain("boom &lt;b&gt;");
  });
});
