import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../support/cli.ts";
import { userKeyRecord } from "../support/records.ts";
import { replayContract } from "./replay-contract.ts";

/**
 * A local stand-in for the CloudTrail API speaking its real wire protocol (AWS JSON 1.1 over HTTP),
 * since no emulator implements LookupEvents: two pages of events, the second reached by NextToken.
 */
let server: Server;
let endpoint: string;
const requests: Array<{ target: string | undefined; body: Record<string, unknown> }> = [];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => resolve(text));
  });
}

const history = Array.from({ length: 3 }, (_, i) =>
  userKeyRecord({
    eventID: `h${i}`,
    eventTime: `2026-03-0${i + 1}T10:00:00Z`,
    sourceIPAddress: "192.0.2.10",
  }),
);

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const input = JSON.parse(await body(req)) as Record<string, unknown>;
    requests.push({ target: req.headers["x-amz-target"] as string | undefined, body: input });
    const page = input.NextToken === undefined ? history.slice(0, 2) : history.slice(2);
    const events = page.map((r) => ({
      EventId: r.eventID,
      EventName: r.eventName,
      CloudTrailEvent: JSON.stringify(r),
    }));
    res.setHeader("content-type", "application/x-amz-json-1.1");
    res.end(
      JSON.stringify({ Events: events, ...(input.NextToken === undefined ? { NextToken: "page-2" } : {}) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  vi.stubEnv("AWS_REGION", "eu-central-1");
});

afterAll(() => {
  vi.unstubAllEnvs();
  server.close();
});

describe("vigil learn --from-cloudtrail", () => {
  it("pages through the event history and learns from it, so replay knows the credential", async () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-lookup-"));
    writeFileSync(join(work, "vigil.config.yaml"), "learning: { days: 1 }\n");
    const now = Date.parse("2026-03-10T12:00:00Z");
    const learned = await runCli(
      ["learn", "--from-cloudtrail", "--days", "14", "--endpoint", endpoint, "--store", "s.db"],
      {
        cwd: work,
        now,
      },
    );
    expect(learned.stderr).toBe("");
    expect(learned.stdout).toBe("vigil learn: 3 records learned into s.db; 0 rejected\n");
    expect(requests.map((r) => r.target)).toEqual([
      "CloudTrail_20131101.LookupEvents",
      "CloudTrail_20131101.LookupEvents",
    ]);
    expect(requests[0]?.body).toMatchObject({
      MaxResults: 50,
      StartTime: (now - 14 * 86_400_000) / 1000,
      EndTime: now / 1000,
    });
    expect(requests[1]?.body).toMatchObject({ NextToken: "page-2" });

    writeFileSync(
      join(work, "today.json"),
      JSON.stringify({
        Records: [
          userKeyRecord({ eventID: "t1", sourceIPAddress: "192.0.2.10" }),
          userKeyRecord({ eventID: "t2", sourceIPAddress: "198.51.100.9" }),
        ],
      }),
    );
    const replayed = await runCli(["replay", "today.json", "--store", "s.db", "--json"], { cwd: work, now });
    const doc = replayContract.parse(JSON.parse(replayed.stdout));
    expect(doc.findings.map((f) => [f.eventId, f.signals])).toEqual([["t2", ["new-source"]]]);
  });

  it("rejects --days out of range", async () => {
    const { code, stderr } = await runCli(["learn", "--from-cloudtrail", "--days", "91"], { cwd: tmpdir() });
    expect(code).toBe(2);
    expect(stderr).toBe('vigil: --days "91" must be a whole number from 1 to 90\n');
  });
});
