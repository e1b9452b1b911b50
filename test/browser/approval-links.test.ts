import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approvalsWorld, keyExposure } from "../functions/approvals-support.ts";
import { launchChromium } from "./support.ts";

/**
 * The approvals function served through a tiny local stand-in for API Gateway: each browser request
 * becomes an HTTP API (payload 2.0) event without an IAM authorizer, as the link routes receive it.
 */
async function serve(
  handler: (event: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>,
): Promise<{ url: string; server: Server }> {
  const toEvent = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const url = new URL(req.url ?? "/", "http://local.invalid");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const now = Date.now();
    return {
      version: "2.0",
      routeKey: "$default",
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      requestContext: {
        accountId: "111122223333",
        apiId: "local",
        domainName: headers.host ?? "127.0.0.1",
        domainPrefix: "local",
        http: {
          method: req.method ?? "GET",
          path: url.pathname,
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: headers["user-agent"] ?? "",
        },
        requestId: `local-${now}`,
        routeKey: "$default",
        stage: "$default",
        time: new Date(now).toUTCString(),
        timeEpoch: now,
      },
      ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks).toString("base64") }),
      isBase64Encoded: chunks.length > 0,
    };
  };
  const server = createServer((req, res) => {
    void toEvent(req)
      .then(handler)
      .then((result) => {
        res.writeHead(result.statusCode, result.headers);
        res.end(result.body);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
let running: { url: string; server: Server } | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  page = await browser.context.newPage();
});
afterEach(async () => {
  await page?.close();
  running?.server.closeAllConnections();
  await new Promise((resolve) => running?.server.close(resolve));
  running = undefined;
});

/** A world whose handler is served locally, with the base URL set to where it listens. */
async function servedWorld() {
  let world: ReturnType<typeof approvalsWorld> | undefined;
  running = await serve((event) => world!.call(event));
  world = approvalsWorld(undefined, running.url);
  return { world, url: running.url };
}

describe("signed approval links in Chromium", () => {
  it("approves from a link's page with a reason: the playbook is queued, and the link then shows the decision", async () => {
    const { world, url } = await servedWorld();
    await world.open();
    const link = `${url}/links/${world.token("alice", "approve")}`;
    await page.goto(link);
    expect(await page.locator("main").innerText()).toContain("You decide as alice");
    expect(await page.locator(".time-left").innerText()).toContain("20 min left");
    await page.getByLabel("Reason (required)").fill("confirmed with the app team: not theirs");
    await page.getByRole("button", { name: "Approve: run these steps" }).click();
    await expect.poll(() => page.locator(".notice.ok").innerText()).toContain("approved by alice");
    expect(world.dispatch.queued.map((q) => q.dedupeKey)).toEqual(["approval:apr-1"]);
    await page.goto(link);
    expect(await page.locator(".notice.error").innerText()).toContain("was already approved by alice");
    expect(await page.locator("form").count()).toBe(0);
  });

  it("shows a script tag of the request as text, and runs nothing", async () => {
    const { world, url } = await servedWorld();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await world.open({
      exposure: {
        ...keyExposure(),
        reasons: [{ signal: "unexpected-source", reason: "user agent <script>alert('xss')</script>" }],
      },
    });
    await page.goto(`${url}/links/${world.token("alice", "deny")}`);
    expect(await page.locator("ul.reasons").innerText()).toContain(
      "user agent <script>alert('xss')</script>",
    );
    expect(await page.locator("main script").count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
