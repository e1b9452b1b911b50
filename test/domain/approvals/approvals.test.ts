import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalInputError,
  ApprovalNotFoundError,
  NotAllowedToDecideError,
  SuppressedByExceptionError,
} from "../../../shared/domain/approvals/errors.ts";
import { sweepApprovals } from "../../../shared/domain/approvals/expire.ts";
import { requestApprovals } from "../../../shared/domain/approvals/open.ts";
import { statusAt } from "../../../shared/domain/approvals/request.ts";
import { decideApproval } from "../../../shared/domain/approvals/vote.ts";
import type { ConfigInput } from "../../../shared/domain/config/schema.ts";
import { verifyApprovalLink } from "../../../shared/domain/signed-links/approval-link.ts";
import { configOf } from "../../support/context.ts";
import {
  exposureOf,
  ids,
  MemoryApprovalStore,
  MemoryExceptionStore,
  MemoryLedger,
  MemoryPlaybookDispatch,
  TestClock,
} from "../../support/oncall.ts";
import { FakeIam, FakeNotifier, fakeExecutor, MemoryPlaybookRunStore } from "../../support/playbooks.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const TTL = 30 * 60_000;
const KEY = "AKIAEXAMPLE000000001";
const ROLE = "arn:aws:iam::111122223333:role/app";

function world(approvals: ConfigInput["approvals"] = {}) {
  const config = configOf({
    approvals: { approvers: ["alice", "bob", "oncall-*"], ttlMinutes: 30, ...approvals },
  });
  const clock = new TestClock(T0);
  const iam = new FakeIam().addUser("svc-ci", { [KEY]: "Active" }).addRole("app");
  const notifier = new FakeNotifier();
  const runs = new MemoryPlaybookRunStore();
  const executor = fakeExecutor({ config, clock, iam, notifier, runs });
  const store = new MemoryApprovalStore();
  const ledger = new MemoryLedger();
  const exceptions = new MemoryExceptionStore();
  const deps = {
    approvals: store,
    ledger,
    clock,
    newId: ids("apr"),
    policy: config.approvals,
    notifier,
    executor,
    exceptions,
  };
  return { config, clock, iam, notifier, runs, store, ledger, exceptions, deps };
}

const keyExposure = () => exposureOf({ decision: "needs-approval" });
const roleExposure = () =>
  exposureOf({
    decision: "needs-approval",
    // As the pipeline makes them: a role session exposure names the first session key it saw.
    credential: { kind: "role-session", id: ROLE, accessKeyId: "ASIAEXAMPLESESSION01" },
    principal: ROLE,
  });
const approve = (by: string, reason = "confirmed with the owner") => ({
  verdict: "approve" as const,
  by,
  reason,
});
const deny = (by: string, reason = "expected: DR drill") => ({ verdict: "deny" as const, by, reason });

describe("requestApprovals", () => {
  it("opens one request per needs-approval exposure with what, why, the steps, who may approve and the expiry", async () => {
    const { deps, store, ledger, notifier } = world();
    const opened = await requestApprovals(
      [
        keyExposure(),
        exposureOf({ decision: "auto", credential: { kind: "access-key", id: "AKIAOTHER00000000000" } }),
      ],
      deps,
    );
    expect(opened.map((o) => o.created)).toEqual([true]);
    const request = (await store.get("apr-1"))!;
    expect(request).toMatchObject({
      status: "pending",
      createdAt: T0,
      expiresAt: T0 + TTL,
      what: `Deactivate the access key (deactivate-access-key) for access-key ${KEY} of arn:aws:iam::111122223333:user/svc-ci`,
      why: "high reaches the approval band; playbook from the default",
      approvers: ["alice", "bob", "oncall-*"],
      requiredApprovals: 1,
      onExpiry: "renotify",
    });
    expect(request.playbook.steps.map((s) => s.step)).toEqual(["deactivate-access-key", "notify"]);
    expect(request.exposure.reasons).toEqual([
      { signal: "unexpected-source", reason: "203.0.113.9 is not among the profile's sources" },
    ]);
    expect(ledger.records[0]).toMatchObject({
      action: "approval-requested",
      actor: { kind: "vigil" },
      subject: { kind: "access-key", id: KEY },
      change: { approvalId: "apr-1", expiresAt: "2026-03-10T12:30:00.000Z" },
    });
    expect(notifier.sent[0]?.message).toContain(
      "approve: vigil approvals approve apr-1 --by NAME --reason TEXT",
    );
  });

  it("does not open a second request while one is open for the same credential and playbook", async () => {
    const { deps, ledger } = world();
    await requestApprovals([keyExposure()], deps);
    const again = await requestApprovals([keyExposure()], deps);
    expect(again.map((o) => [o.created, o.request.id])).toEqual([[false, "apr-1"]]);
    expect(ledger.actions()).toEqual(["approval-requested"]);
  });
});

describe("requestApprovals: the playbook's approvers", () => {
  const playbooks = {
    "deactivate-access-key": { approvers: ["carol", "arn:aws:iam::*:role/oncall-*"] },
  };

  it("keeps the approvers of the request's playbook, not the general list", async () => {
    const { deps, store } = world({ playbooks });
    await requestApprovals([keyExposure(), roleExposure()], deps);
    expect((await store.get("apr-1"))?.approvers).toEqual(["carol", "arn:aws:iam::*:role/oncall-*"]);
    expect((await store.get("apr-2"))?.approvers).toEqual(["alice", "bob", "oncall-*"]);
  });

  it("lets a session of a listed role decide, matched as its role, and refuses a general approver", async () => {
    const { deps, store } = world({ playbooks });
    await requestApprovals([keyExposure()], deps);
    await expect(decideApproval("apr-1", approve("alice"), deps)).rejects.toBeInstanceOf(
      NotAllowedToDecideError,
    );
    const session = "arn:aws:sts::111122223333:assumed-role/oncall-eu/dave";
    expect((await decideApproval("apr-1", deny(session), deps)).outcome).toBe("denied");
    expect((await store.get("apr-1"))?.decision).toMatchObject({ by: session, verdict: "denied" });
  });
});

describe("requestApprovals: signed links in the notification", () => {
  const BASE = "https://abc123defg.execute-api.eu-central-1.amazonaws.com";
  const secret = randomBytes(32);

  /** The links a notification carries, `approver · action: url` → the verified link. */
  function linksIn(message: string) {
    return [...message.matchAll(/^ {2}(\S+) · (approve|deny): (\S+)$/gm)].map(
      ([, approver, action, url]) => ({
        approver,
        action,
        link: verifyApprovalLink(url!.slice(`${BASE}/links/`.length), secret, T0),
      }),
    );
  }

  it("adds an approve and a deny link for each named approver, bound to the request, valid until it expires", async () => {
    const { deps, notifier } = world();
    await requestApprovals([keyExposure()], {
      ...deps,
      links: { key: async () => secret, baseUrl: `${BASE}/` },
    });
    const message = notifier.sent[0]!.message;
    expect(message).toContain("approve: vigil approvals approve apr-1 --by NAME --reason TEXT");
    expect(message).toContain("decide from your phone (each link works once");
    const links = linksIn(message);
    expect(links.map((l) => [l.approver, l.action])).toEqual([
      ["alice", "approve"],
      ["alice", "deny"],
      ["bob", "approve"],
      ["bob", "deny"],
    ]);
    for (const { link, approver, action } of links) {
      expect(link).toMatchObject({ requestId: "apr-1", approver, action, expiresAt: T0 + TTL });
    }
  });

  it("carries no links without the link settings", async () => {
    const { deps, notifier } = world();
    await requestApprovals([keyExposure()], deps);
    expect(notifier.sent[0]!.message).not.toContain("/links/");
    expect(notifier.sent[0]!.message).not.toContain("decide from your phone");
  });

  it("announces a renewed request with new links for the new request", async () => {
    const { deps, clock, notifier } = world();
    const withLinks = { ...deps, links: { key: async () => secret, baseUrl: BASE } };
    await requestApprovals([keyExposure()], withLinks);
    clock.set(T0 + TTL);
    await sweepApprovals(withLinks);
    const renewal = notifier.sent.at(-1)!;
    expect(renewal.subject).toContain("approval still needed (apr-1 expired)");
    const links = [...renewal.message.matchAll(/\/links\/(\S+)$/gm)].map(([, token]) =>
      verifyApprovalLink(token!, secret, T0 + TTL),
    );
    expect(links).toHaveLength(4);
    expect(new Set(links.map((l) => l.requestId))).toEqual(new Set(["apr-2"]));
  });
});

describe("decideApproval", () => {
  it("runs the playbook on approval and records the decision and every step", async () => {
    const { deps, iam, ledger } = world();
    await requestApprovals([keyExposure()], deps);
    const result = await decideApproval("apr-1", approve("alice"), deps);
    expect(result.outcome).toBe("approved");
    expect(result.run?.status).toBe("completed");
    expect(result.request).toMatchObject({
      status: "approved",
      runId: result.run?.id,
      decision: { verdict: "approved", by: "alice", at: T0 },
    });
    expect(iam.keys.get("svc-ci")?.get(KEY)).toBe("Inactive");
    expect(ledger.actions()).toEqual([
      "approval-requested",
      "approval-decided",
      "playbook-step",
      "playbook-step",
    ]);
    expect(ledger.records[1]).toMatchObject({
      actor: { kind: "human", id: "alice" },
      reason: "confirmed with the owner",
      change: { verdict: "approved", complete: true },
    });
  });

  it("denies without running anything", async () => {
    const { deps, iam, ledger, runs } = world();
    await requestApprovals([keyExposure()], deps);
    const result = await decideApproval("apr-1", deny("bob"), deps);
    expect(result).toMatchObject({ outcome: "denied", request: { status: "denied" } });
    expect(result.run).toBeUndefined();
    expect(runs.runs.size).toBe(0);
    expect(iam.keys.get("svc-ci")?.get(KEY)).toBe("Active");
    expect(ledger.records.at(-1)?.change).toMatchObject({ verdict: "denied" });
  });

  it("refuses a second decision, naming who decided and when, and records nothing more", async () => {
    const { deps, clock, ledger, runs } = world();
    await requestApprovals([keyExposure()], deps);
    await decideApproval("apr-1", approve("alice"), deps);
    clock.advance(5_000);
    const second = decideApproval("apr-1", deny("bob"), deps);
    await expect(second).rejects.toThrow(AlreadyDecidedError);
    await expect(decideApproval("apr-1", approve("bob"), deps)).rejects.toThrow(
      "request apr-1 was already approved by alice at 2026-03-10T12:00:00.000Z (confirmed with the owner); your approve was not recorded",
    );
    expect(ledger.actions().filter((a) => a === "approval-decided")).toHaveLength(1);
    expect(runs.runs.size).toBe(1);
  });

  it("refuses a vote without a reason, by someone not an approver, or on an unknown request", async () => {
    const { deps, store } = world();
    await requestApprovals([keyExposure()], deps);
    await expect(decideApproval("apr-1", approve("alice", " "), deps)).rejects.toThrow(
      new ApprovalInputError("the reason is missing or empty; say why you approve it"),
    );
    await expect(decideApproval("apr-1", approve("mallory"), deps)).rejects.toSatisfy(
      (e) =>
        e instanceof NotAllowedToDecideError &&
        e.message ===
          '"mallory" may not decide request apr-1; its approvers are alice, bob, oncall-* (approvals.playbooks.deactivate-access-key.approvers, else approvals.approvers, in the config)',
    );
    await expect(decideApproval("apr-9", approve("alice"), deps)).rejects.toThrow(ApprovalNotFoundError);
    expect((await store.get("apr-1"))?.status).toBe("pending");
    expect((await decideApproval("apr-1", deny("oncall-carol"), deps)).outcome).toBe("denied");
  });

  it("needs two different approvers for a playbook under the two-person rule", async () => {
    const { deps, iam, ledger } = world({ twoPersonFor: ["quarantine-role"] });
    await requestApprovals([roleExposure()], deps);
    const first = await decideApproval("apr-1", approve("alice"), deps);
    expect(first).toMatchObject({ outcome: "awaiting-second", request: { status: "pending" } });
    expect(first.run).toBeUndefined();
    expect(iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(false);
    await expect(decideApproval("apr-1", approve("alice"), deps)).rejects.toThrow(
      '"alice" already approved request apr-1; the two-person rule for playbook quarantine-role needs a second, different approver',
    );
    const second = await decideApproval("apr-1", approve("bob"), deps);
    expect(second.outcome).toBe("approved");
    expect(iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(true);
    expect(ledger.records.filter((r) => r.action === "approval-decided").map((r) => r.change)).toEqual([
      expect.objectContaining({ approvals: 1, requiredApprovals: 2, complete: false }),
      expect.objectContaining({ approvals: 2, requiredApprovals: 2, complete: true }),
    ]);
  });

  it("refuses an approval while a break-glass exception covers the subject; the request stays pending", async () => {
    const { deps, exceptions, store, runs } = world();
    await requestApprovals([keyExposure()], deps);
    await exceptions.insert({
      id: "exc-1",
      scope: { kind: "credential", credential: { kind: "access-key", id: KEY } },
      playbooks: [],
      signals: [],
      reason: "DR drill",
      grantedBy: "carol",
      grantedAt: T0,
      expiresAt: T0 + 3_600_000,
    });
    await expect(decideApproval("apr-1", approve("alice"), deps)).rejects.toThrow(SuppressedByExceptionError);
    expect((await store.get("apr-1"))?.status).toBe("pending");
    expect(runs.runs.size).toBe(0);
  });
});

describe("approval expiry", () => {
  it("counts an approval one second before the expiry", async () => {
    const { deps, clock } = world();
    await requestApprovals([keyExposure()], deps);
    clock.set(T0 + TTL - 1000);
    expect((await decideApproval("apr-1", approve("alice"), deps)).outcome).toBe("approved");
  });

  it("finds the request expired at the expiry instant: nothing runs, it is recorded and sent again", async () => {
    const { deps, clock, ledger, notifier, runs, store } = world();
    await requestApprovals([keyExposure()], deps);
    expect(statusAt((await store.get("apr-1"))!, T0 + TTL - 1000)).toBe("pending");
    expect(statusAt((await store.get("apr-1"))!, T0 + TTL)).toBe("expired");
    clock.set(T0 + TTL);
    await expect(decideApproval("apr-1", approve("alice"), deps)).rejects.toSatisfy(
      (e) =>
        e instanceof ApprovalExpiredError &&
        e.message ===
          "request apr-1 expired at 2026-03-10T12:30:00.000Z, before your approve at 2026-03-10T12:30:00.000Z; nothing was executed and it was sent again as request apr-2",
    );
    expect(runs.runs.size).toBe(0);
    expect(await store.get("apr-1")).toMatchObject({
      status: "expired",
      expired: { at: T0 + TTL, renewedAs: "apr-2" },
    });
    expect(await store.get("apr-2")).toMatchObject({
      status: "pending",
      renewedFrom: "apr-1",
      expiresAt: T0 + 2 * TTL,
    });
    expect(ledger.actions()).toEqual(["approval-requested", "approval-expired", "approval-requested"]);
    expect(ledger.records[1]?.change).toMatchObject({
      approvalId: "apr-1",
      onExpiry: "renotify",
      renewedAs: "apr-2",
    });
    expect(notifier.sent.at(-1)?.subject).toContain("approval still needed (apr-1 expired)");
    await expect(decideApproval("apr-1", approve("alice"), deps)).rejects.toThrow(
      "request apr-1 expired at 2026-03-10T12:30:00.000Z without a decision (it was sent again as request apr-2: decide that one); nothing was executed",
    );
  });

  it("escalates instead when the policy says so", async () => {
    const { deps, clock, ledger, notifier, store } = world({
      onExpiry: "escalate",
      escalateTo: "security-leads",
    });
    await requestApprovals([keyExposure()], deps);
    clock.set(T0 + TTL);
    const expired = await sweepApprovals(deps);
    expect(expired.map((r) => r.id)).toEqual(["apr-1"]);
    expect(await store.list()).toHaveLength(1);
    expect(notifier.sent.at(-1)?.message).toMatch(/^Escalated to security-leads: request apr-1 expired/);
    expect(ledger.records.at(-1)).toMatchObject({
      action: "approval-expired",
      change: { onExpiry: "escalate", escalateTo: "security-leads" },
    });
  });

  it("sweeps only what is due, once", async () => {
    const { deps, clock, ledger } = world();
    await requestApprovals([keyExposure()], deps);
    clock.set(T0 + TTL - 1000);
    expect(await sweepApprovals(deps)).toEqual([]);
    clock.set(T0 + TTL);
    expect((await sweepApprovals(deps)).map((r) => r.id)).toEqual(["apr-1"]);
    expect((await sweepApprovals(deps)).map((r) => r.id)).toEqual([]);
    expect(ledger.actions()).toEqual(["approval-requested", "approval-expired", "approval-requested"]);
  });

  it("an approval racing the expiry: the one that commits first defines the outcome, by its own instant", async () => {
    const approvedFirst = world();
    await requestApprovals([keyExposure()], approvedFirst.deps);
    approvedFirst.clock.set(T0 + TTL - 1);
    await decideApproval("apr-1", approve("alice"), approvedFirst.deps);
    approvedFirst.clock.set(T0 + TTL);
    expect(await sweepApprovals(approvedFirst.deps)).toEqual([]);
    expect((await approvedFirst.store.get("apr-1"))?.status).toBe("approved");
    expect(approvedFirst.ledger.actions()).not.toContain("approval-expired");

    const sweptFirst = world();
    await requestApprovals([keyExposure()], sweptFirst.deps);
    sweptFirst.clock.set(T0 + TTL);
    await sweepApprovals(sweptFirst.deps);
    await expect(decideApproval("apr-1", approve("alice"), sweptFirst.deps)).rejects.toThrow(
      ApprovalExpiredError,
    );
    expect(sweptFirst.runs.runs.size).toBe(0);
    expect(sweptFirst.ledger.actions().filter((a) => a === "approval-expired")).toHaveLength(1);
  });
});

describe("decideApproval with a dispatch instead of an executor", () => {
  function dispatching(approvals: ConfigInput["approvals"] = {}) {
    const w = world(approvals);
    const dispatch = new MemoryPlaybookDispatch();
    const { executor: _runsHere, ...ports } = w.deps;
    return { ...w, dispatch, deps: { ...ports, dispatch } };
  }

  it("queues the approved playbook under the request's id, records it, and runs nothing here", async () => {
    const { deps, dispatch, iam, runs, ledger, store } = dispatching();
    await requestApprovals([keyExposure()], deps);
    const result = await decideApproval("apr-1", approve("alice"), deps);
    expect(result).toMatchObject({ outcome: "approved", dispatched: true, request: { status: "approved" } });
    expect(result.run).toBeUndefined();
    expect(dispatch.calls).toHaveLength(1);
    expect(dispatch.calls[0]).toMatchObject({
      dedupeKey: "approval:apr-1",
      request: {
        playbook: { id: "deactivate-access-key" },
        principalArn: "arn:aws:iam::111122223333:user/svc-ci",
        credential: { kind: "access-key", id: KEY },
        reason: expect.stringContaining("approved by alice: confirmed with the owner (request apr-1)"),
      },
    });
    expect(iam.keys.get("svc-ci")?.get(KEY)).toBe("Active");
    expect(runs.runs.size).toBe(0);
    expect(ledger.actions()).toEqual(["approval-requested", "approval-decided", "playbook-dispatched"]);
    expect(ledger.records.at(-1)).toMatchObject({
      actor: { kind: "vigil" },
      subject: { kind: "access-key", id: KEY },
      change: { dedupeKey: "approval:apr-1", playbook: "deactivate-access-key" },
    });
    expect((await store.get("apr-1"))?.runId).toBeUndefined();
  });

  it("queues nothing on a denial, nor on the first of two approvals; the second queues it once", async () => {
    const denied = dispatching();
    await requestApprovals([keyExposure()], denied.deps);
    expect((await decideApproval("apr-1", deny("bob"), denied.deps)).dispatched).toBeUndefined();
    expect(denied.dispatch.calls).toEqual([]);

    const two = dispatching({ twoPersonFor: ["quarantine-role"] });
    await requestApprovals([roleExposure()], two.deps);
    const first = await decideApproval("apr-1", approve("alice"), two.deps);
    expect(first).toMatchObject({ outcome: "awaiting-second" });
    expect(two.dispatch.calls).toEqual([]);
    await decideApproval("apr-1", approve("bob"), two.deps);
    expect(two.dispatch.calls.map((c) => c.dedupeKey)).toEqual(["approval:apr-1"]);
  });

  it("refuses to approve with neither an executor nor a dispatch, recording nothing", async () => {
    const { deps, ledger } = dispatching();
    await requestApprovals([keyExposure()], deps);
    const { dispatch: _none, ...nowhere } = deps;
    await expect(decideApproval("apr-1", approve("alice"), nowhere)).rejects.toThrow(
      new ApprovalInputError(
        "approving request apr-1 runs its playbook, but neither an executor nor a dispatch was given",
      ),
    );
    expect(ledger.actions()).toEqual(["approval-requested"]);
  });
});
