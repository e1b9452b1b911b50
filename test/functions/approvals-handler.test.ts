import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../../shared/adapters/console/http.ts";
import { grantException } from "../../shared/domain/exceptions/grant.ts";
import { verifyApprovalLink } from "../../shared/domain/signed-links/approval-link.ts";
import {
  ALICE_SESSION,
  APPROVALS,
  approvalsWorld,
  BASE,
  iamEvent,
  jsonOf,
  keyExposure,
  linkEvent,
  pageEvent,
  ROLE,
  T0,
  TTL_MS,
} from "./approvals-support.ts";

const ONCALL_ROLES = "arn:aws:iam::*:role/oncall-*";
/** quarantine-role is decided by alice and on-call role sessions; every other playbook by the general list. */
const PER_PLAYBOOK = {
  ...APPROVALS,
  playbooks: { "quarantine-role": { approvers: ["alice", ONCALL_ROLES] } },
};
const decide = (verdict: "approve" | "deny", reason = "confirmed with the owner", id = "apr-1") =>
  iamEvent({ method: "POST", path: `/api/approvals/${id}/${verdict}`, body: JSON.stringify({ reason }) });

describe("approvals function: the IAM-authorized API", () => {
  it("approves as the caller's session ARN, matched through its role, and queues the playbook instead of running it", async () => {
    const world = approvalsWorld(PER_PLAYBOOK);
    await world.open();
    const result = await world.call(decide("approve"));
    expect(result.statusCode).toBe(200);
    expect(jsonOf(result)).toMatchObject({
      outcome: "approved",
      dispatched: true,
      approval: { id: "apr-1", status: "approved", decision: { by: ALICE_SESSION, verdict: "approved" } },
    });
    expect(world.dispatch.queued).toHaveLength(1);
    expect(world.dispatch.queued[0]).toMatchObject({
      dedupeKey: "approval:apr-1",
      request: { principalArn: ROLE, playbook: { id: "quarantine-role" } },
    });
    expect((await world.records()).map((r) => [r.action, r.actor.id])).toEqual([
      ["approval-decided", ALICE_SESSION],
      ["playbook-dispatched", "vigil"],
    ]);
    expect(result.headers["Content-Type"]).toBe("application/json; charset=utf-8");
  });

  it("refuses a caller whose ARN is not among the playbook's approvers, naming them, and changes nothing", async () => {
    const world = approvalsWorld(PER_PLAYBOOK);
    await world.open();
    const mallory = "arn:aws:sts::111122223333:assumed-role/developer/mallory";
    const result = await world.call({
      ...decide("approve"),
      requestContext: {
        ...(decide("approve").requestContext as object),
        authorizer: { iam: { userArn: mallory, accountId: "111122223333" } },
      },
    });
    expect(result.statusCode).toBe(403);
    expect(jsonOf(result).error).toBe(
      `"${mallory}" (matched as ${mallory} and as arn:aws:iam::111122223333:role/developer) may not decide requests of playbook quarantine-role; its approvers are alice, ${ONCALL_ROLES} (approvals.playbooks.quarantine-role.approvers in the config): decide as one of them, or ask the stack's owner to add you there`,
    );
    expect((await world.request())?.status).toBe("pending");
    expect(await world.records()).toEqual([]);
    expect(world.dispatch.queued).toEqual([]);
  });

  it("refuses a request that carries no IAM identity, even on an API route", async () => {
    const world = approvalsWorld();
    await world.open();
    const result = await world.call(iamEvent({ method: "GET", path: "/api/approvals", caller: null }));
    expect(result.statusCode).toBe(403);
    expect(jsonOf(result).error).toMatch(/needs AWS_IAM authorization .* sign it with SigV4/);
    const post = await world.call(
      iamEvent({ method: "POST", path: "/api/approvals/apr-1/deny", body: '{"reason":"x"}', caller: null }),
    );
    expect(post.statusCode).toBe(403);
    expect((await world.request())?.status).toBe("pending");
  });

  it("lists pending requests first, soonest to expire first, then the decided ones", async () => {
    const world = approvalsWorld();
    await world.open({ id: "apr-1" });
    await world.open({ id: "apr-2", exposure: keyExposure(), at: T0 + 60_000 });
    await world.open({
      id: "apr-3",
      exposure: { ...keyExposure(), credential: { kind: "access-key", id: "AKIAEXAMPLE000000009" } },
    });
    await world.call(decide("deny", "expected: DR drill", "apr-1"));
    const result = await world.call(iamEvent({ method: "GET", path: "/api/approvals" }));
    expect(result.statusCode).toBe(200);
    const list = jsonOf(result).approvals as Array<{ id: string; status: string }>;
    expect(list.map((r) => [r.id, r.status])).toEqual([
      ["apr-3", "pending"],
      ["apr-2", "pending"],
      ["apr-1", "denied"],
    ]);
  });

  it("shows one request, with the status as of now (a lapsed one as expired); 404 for an unknown id, 400 for a garbled one", async () => {
    const world = approvalsWorld();
    await world.open();
    world.clock.set(T0 + TTL_MS);
    const result = await world.call(iamEvent({ method: "GET", path: "/api/approvals/apr-1" }));
    expect(jsonOf(result)).toMatchObject({ approval: { id: "apr-1", status: "expired" } });
    const missing = await world.call(iamEvent({ method: "GET", path: "/api/approvals/apr-9" }));
    expect(missing.statusCode).toBe(404);
    expect(jsonOf(missing).error).toBe('no approval request "apr-9"; GET /api/approvals lists the ids');
    const garbled = await world.call(iamEvent({ method: "GET", path: "/api/approvals/%E0%A4%A" }));
    expect(garbled.statusCode).toBe(400);
    expect(jsonOf(garbled).error).toMatch(/is not valid percent-encoding/);
  });

  it("refuses an approval of an expired request with 410; nothing is queued and the request is sent again", async () => {
    const world = approvalsWorld();
    await world.open();
    world.clock.set(T0 + TTL_MS);
    const result = await world.call(decide("approve"));
    expect(result.statusCode).toBe(410);
    expect(jsonOf(result).error).toMatch(
      /^request apr-1 expired at 2026-03-10T12:30:00.000Z, before your approve .* nothing was executed and it was sent again as request apr-101$/,
    );
    expect(world.dispatch.queued).toEqual([]);
    expect((await world.request())?.status).toBe("expired");
    expect(world.notifier.sent).toHaveLength(1);
    // The renewal carries links of its own, for the new request.
    const renewed = /^ {2}alice · approve: \S+\/links\/(\S+)$/m.exec(world.notifier.sent[0]!.message);
    expect(verifyApprovalLink(renewed![1]!, world.deps.secret, world.clock.now())).toMatchObject({
      requestId: "apr-101",
      approver: "alice",
    });
  });

  it("answers 409 to a vote on a decided request, and 400 to a body without a reason", async () => {
    const world = approvalsWorld();
    await world.open();
    expect((await world.call(decide("deny"))).statusCode).toBe(200);
    const again = await world.call(decide("approve"));
    expect(again.statusCode).toBe(409);
    expect(jsonOf(again).error).toMatch(
      /already denied by arn:aws:sts::111122223333:assumed-role\/oncall-eu\/alice/,
    );
    await world.open({ id: "apr-2", exposure: keyExposure() });
    for (const body of ["not json", JSON.stringify({ reason: "  " }), JSON.stringify({ why: "x" })]) {
      const bad = await world.call(iamEvent({ method: "POST", path: "/api/approvals/apr-2/approve", body }));
      expect(bad.statusCode).toBe(400);
      expect(jsonOf(bad).error).toMatch(/reason/);
    }
    expect((await world.request("apr-2"))?.status).toBe("pending");
  });
});

describe("approvals function: signed links", () => {
  it("shows the request, its reasons, exact steps and time left with the link's one button, and GET changes nothing", async () => {
    const world = approvalsWorld();
    await world.open();
    const token = world.token("alice", "deny");
    const first = await world.call(linkEvent({ method: "GET", token }));
    const second = await world.call(linkEvent({ method: "GET", token }));
    expect(first.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(first.body).toContain("You decide as <strong>alice</strong>");
    expect(first.body).toContain("203.0.113.9 is not among the profile&#39;s sources");
    expect(first.body).toContain("<code>quarantine-role</code>");
    expect(first.body).toContain("20 min left (until 2026-03-10 12:30:00 UTC)");
    expect(first.body).toContain('<button class="danger" type="submit">Deny: nothing runs</button>');
    expect(first.body).not.toContain("Approve: run these steps");
    expect(first.body).toContain('<form class="decide" method="post">');
    expect(first.headers).toMatchObject({
      ...SECURITY_HEADERS,
      "Cache-Control": "no-store",
      "Content-Type": "text/html; charset=utf-8",
    });
    expect((await world.request())?.status).toBe("pending");
    expect(await world.records()).toEqual([]);
    // The prefetches did not use the link up.
    expect((await world.call(linkEvent({ method: "POST", token }))).statusCode).toBe(200);
  });

  it("denies through a link in the name of the approver it was made for; nothing is queued", async () => {
    const world = approvalsWorld();
    await world.open();
    const result = await world.call(linkEvent({ method: "POST", token: world.token("alice", "deny") }));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain("Request apr-1 denied by alice: nothing runs.");
    expect((await world.request())?.decision).toMatchObject({
      verdict: "denied",
      by: "alice",
      reason: "expected: DR drill",
    });
    expect((await world.records()).map((r) => [r.action, r.actor.id, r.reason])).toEqual([
      ["approval-decided", "alice", "expected: DR drill"],
    ]);
    expect(world.dispatch.queued).toEqual([]);
  });

  it("approves through links under the two-person rule: the first approval waits, the second queues the playbook", async () => {
    const world = approvalsWorld({ ...APPROVALS, twoPersonFor: ["quarantine-role"] });
    await world.open();
    const form = { reason: "confirmed with the owner" };
    const alice = await world.call(
      linkEvent({ method: "POST", token: world.token("alice", "approve"), form }),
    );
    expect(alice.body).toContain("a second, different approver is needed");
    expect(world.dispatch.queued).toEqual([]);
    const bob = await world.call(linkEvent({ method: "POST", token: world.token("bob", "approve"), form }));
    expect(bob.statusCode).toBe(200);
    expect(bob.body).toContain("Request apr-1 approved by bob: its playbook is queued");
    expect(world.dispatch.queued.map((q) => q.dedupeKey)).toEqual(["approval:apr-1"]);
    expect((await world.request())?.approvals.map((a) => a.by)).toEqual(["alice", "bob"]);
  });

  it("refuses a link used again: nothing changes and nothing more is recorded", async () => {
    const world = approvalsWorld({ ...APPROVALS, twoPersonFor: ["quarantine-role"] });
    await world.open();
    const approve = world.token("alice", "approve");
    const form = { reason: "confirmed with the owner" };
    expect((await world.call(linkEvent({ method: "POST", token: approve, form }))).statusCode).toBe(200);
    const again = await world.call(linkEvent({ method: "POST", token: approve, form }));
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain("alice already approved request apr-1");
    expect(again.body).not.toContain("<form");
    const deny = world.token("bob", "deny");
    expect((await world.call(linkEvent({ method: "POST", token: deny }))).statusCode).toBe(200);
    const denyAgain = await world.call(linkEvent({ method: "POST", token: deny }));
    expect(denyAgain.statusCode).toBe(409);
    expect(denyAgain.body).toContain("request apr-1 was already denied by bob");
    expect((await world.records()).map((r) => r.action)).toEqual(["approval-decided", "approval-decided"]);
  });

  it("refuses a link whose vote was refused after it was consumed (410 used), while the request stays pending", async () => {
    const world = approvalsWorld();
    await world.open();
    await grantException(
      {
        scope: { kind: "principal", arn: ROLE },
        playbooks: [],
        hours: 0.1,
        reason: "incident 42: app team rotating",
        by: "carol",
      },
      {
        exceptions: world.exceptions,
        ledger: world.deps.ledger,
        clock: world.clock,
        newId: () => "exc-1",
        policy: world.config.exceptions,
      },
    );
    const token = world.token("alice", "approve");
    const form = { reason: "confirmed with the owner" };
    const held = await world.call(linkEvent({ method: "POST", token, form }));
    expect(held.statusCode).toBe(409);
    expect(held.body).toContain("Your vote was not recorded, and this link is now used.");
    world.clock.advance(7 * 60_000);
    // The exception has ended, the link has not: it still works only once.
    const reused = await world.call(linkEvent({ method: "POST", token, form }));
    expect(reused.statusCode).toBe(410);
    expect(reused.body).toContain("was already used");
    expect((await world.request())?.status).toBe("pending");
    expect(world.dispatch.queued).toEqual([]);
  });

  it("refuses an expired request on the page and on submit; nothing is approved or queued", async () => {
    const world = approvalsWorld();
    await world.open();
    world.clock.set(T0 + 20 * 60_000);
    const token = world.token("alice", "approve");
    world.clock.set(T0 + TTL_MS);
    const page = await world.call(linkEvent({ method: "GET", token }));
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain("request apr-1 expired at 2026-03-10T12:30:00.000Z without a decision");
    expect(page.body).not.toContain("<form");
    const submit = await world.call(linkEvent({ method: "POST", token, form: { reason: "go" } }));
    expect(submit.statusCode).toBe(410);
    expect((await world.request())?.decision).toBeUndefined();
    expect(world.dispatch.queued).toEqual([]);
  });

  it("refuses an expired, forged or malformed link with the status and what to do", async () => {
    const world = approvalsWorld();
    await world.open();
    const token = world.token("alice", "approve");
    const [payload, signature] = token.split(".");
    const forged = `${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), p: "mallory" }),
    ).toString("base64url")}.${signature}`;
    const bad = await world.call(linkEvent({ method: "GET", token: forged }));
    expect(bad.statusCode).toBe(403);
    expect(bad.body).toContain("the link&#39;s signature does not match");
    expect((await world.call(linkEvent({ method: "GET", token: "not-a-link" }))).statusCode).toBe(400);
    world.clock.advance(15 * 60_000);
    const expired = await world.call(linkEvent({ method: "GET", token }));
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain("Link expired");
    expect(expired.body).toContain("Ask for a new link");
  });

  it("refuses a link's approver who is no longer an approver of the request's playbook", async () => {
    const world = approvalsWorld(PER_PLAYBOOK);
    await world.open();
    const token = world.token("bob", "approve");
    const page = await world.call(linkEvent({ method: "GET", token }));
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain(
      "&quot;bob&quot; may not decide requests of playbook quarantine-role; its approvers are alice, arn:aws:iam::*:role/oncall-*",
    );
    const submit = await world.call(linkEvent({ method: "POST", token, form: { reason: "ok" } }));
    expect(submit.statusCode).toBe(403);
    expect((await world.request())?.status).toBe("pending");
  });

  it("refuses a form posted from another origin without using the link", async () => {
    const world = approvalsWorld();
    await world.open();
    const token = world.token("alice", "deny");
    const foreign = await world.call(linkEvent({ method: "POST", token, origin: "https://evil.example" }));
    expect(foreign.statusCode).toBe(403);
    expect(foreign.body).toContain(
      "a form from &quot;https://evil.example&quot; cannot decide anything here",
    );
    expect((await world.request())?.status).toBe("pending");
    expect((await world.call(linkEvent({ method: "POST", token, origin: BASE }))).statusCode).toBe(200);
  });

  it("asks again for a missing reason without using the link", async () => {
    const world = approvalsWorld();
    await world.open();
    const token = world.token("alice", "approve");
    const empty = await world.call(linkEvent({ method: "POST", token, form: { reason: "   " } }));
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain(
      "approving needs a reason: say why, then submit again. The link was not used.",
    );
    expect(empty.body).toContain("<form");
    const done = await world.call(linkEvent({ method: "POST", token, form: { reason: "owner confirmed" } }));
    expect(done.statusCode).toBe(200);
  });

  it("renders attacker-controlled text of the request (session names, user agents) as text", async () => {
    const world = approvalsWorld();
    const hostile = "arn:aws:sts::111122223333:assumed-role/app/<script>alert(1)</script>";
    await world.open({
      exposure: {
        ...keyExposure(),
        principal: hostile,
        reasons: [
          {
            signal: "unexpected-source",
            reason: 'user agent "<img src=x onerror=alert(2)>" from 203.0.113.9',
          },
        ],
      },
    });
    const page = await world.call(linkEvent({ method: "GET", token: world.token("alice", "deny") }));
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("<script>");
    expect(page.body).not.toContain("<img");
    expect(page.body).toContain("app/&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page.body).toContain("&lt;img src=x onerror=alert(2)&gt;");
    expect(page.headers["Content-Security-Policy"]).toContain("default-src 'none'");
  });

  it("never logs a link", async () => {
    const world = approvalsWorld();
    await world.open();
    const token = world.token("alice", "deny");
    await world.call(linkEvent({ method: "POST", token }));
    await world.call(linkEvent({ method: "POST", token }));
    await world.call(linkEvent({ method: "GET", token: `${token}x` }));
    expect(world.logLines.length).toBeGreaterThan(0);
    expect(JSON.stringify(world.logLines)).not.toContain(token.split(".")[1]!);
  });
});

describe("approvals function: other requests", () => {
  it("serves the style sheet and a front page that points to the links and the API", async () => {
    const world = approvalsWorld();
    const css = await world.call(pageEvent("/static/console.css"));
    expect(css.statusCode).toBe(200);
    expect(css.headers["Content-Type"]).toBe("text/css; charset=utf-8");
    const front = await world.call(pageEvent("/"));
    expect(front.body).toContain("/api/approvals");
    expect((await world.call(pageEvent("/admin"))).statusCode).toBe(404);
  });

  it("answers 400 to an invocation that is not an HTTP API event", async () => {
    const world = approvalsWorld();
    const result = await world.call({ Records: [] });
    expect(result.statusCode).toBe(400);
    expect(jsonOf(result).error).toMatch(/HTTP API requests \(payload format 2.0\) only/);
  });
});
