import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ApprovalRequest, newApprovalRequest } from "../../../shared/domain/approvals/request.ts";
import type { ConfigInput } from "../../../shared/domain/config/schema.ts";
import {
  MAX_LINK_LIFETIME_MS,
  verifyApprovalLink,
} from "../../../shared/domain/signed-links/approval-link.ts";
import { issueApprovalLinks, linkLines } from "../../../shared/domain/signed-links/issue-links.ts";
import { configOf } from "../../support/context.ts";
import { exposureOf } from "../../support/oncall.ts";

const secret = randomBytes(32);
const T0 = Date.parse("2026-03-10T12:00:00Z");
const BASE = "https://abc123.execute-api.eu-central-1.amazonaws.com";
const ROLE = "arn:aws:iam::111122223333:role/app";

function setup(approvals: ConfigInput["approvals"], ttlMinutes = 30) {
  const policy = configOf({ approvals: { ttlMinutes, ...approvals } }).approvals;
  const exposure = exposureOf({
    decision: "needs-approval",
    credential: { kind: "role-session", id: ROLE, accessKeyId: "ASIAEXAMPLESESSION01" },
    principal: ROLE,
  });
  const request: ApprovalRequest = newApprovalRequest(exposure, policy, T0, "apr-1");
  return { policy, request };
}

describe("issueApprovalLinks", () => {
  it("makes an approve and a deny link for each named approver of the playbook, bound to the request and the approver", () => {
    const { policy, request } = setup({ approvers: ["alice", "bob", "oncall-*"] });
    const links = issueApprovalLinks(request, { policy, secret, baseUrl: `${BASE}/`, now: T0 });
    expect(links.map((l) => [l.approver, l.action])).toEqual([
      ["alice", "approve"],
      ["alice", "deny"],
      ["bob", "approve"],
      ["bob", "deny"],
    ]);
    for (const link of links) {
      expect(link.url.startsWith(`${BASE}/links/`)).toBe(true);
      const token = link.url.slice(`${BASE}/links/`.length);
      expect(verifyApprovalLink(token, secret, T0)).toMatchObject({
        requestId: "apr-1",
        action: link.action,
        approver: link.approver,
        issuedAt: T0,
        expiresAt: T0 + 30 * 60_000,
      });
    }
  });

  it("uses the playbook's own approvers when the config lists them", () => {
    const { policy, request } = setup({
      approvers: ["bob"],
      playbooks: { "quarantine-role": { approvers: ["alice", "arn:aws:iam::*:role/oncall-*"] } },
    });
    // The request's own approvers, as requests of this playbook carry them.
    const perPlaybook = { ...request, approvers: ["alice", "arn:aws:iam::*:role/oncall-*"] };
    const links = issueApprovalLinks(perPlaybook, { policy, secret, baseUrl: BASE, now: T0 });
    expect([...new Set(links.map((l) => l.approver))]).toEqual(["alice"]);
  });

  it("makes no link for a name the request itself does not admit", () => {
    const { policy, request } = setup({ approvers: ["alice", "bob"] });
    const links = issueApprovalLinks(
      { ...request, approvers: ["bob"] },
      { policy, secret, baseUrl: BASE, now: T0 },
    );
    expect(links.map((l) => l.approver)).toEqual(["bob", "bob"]);
  });

  it("lets a link live at most the maximum lifetime, even when the request lives longer", () => {
    const { policy, request } = setup({ approvers: ["alice"] }, 180);
    const [link] = issueApprovalLinks(request, { policy, secret, baseUrl: BASE, now: T0 });
    expect(link?.expiresAt).toBe(T0 + MAX_LINK_LIFETIME_MS);
  });

  it("ends a link with its request when the request expires first", () => {
    const { policy, request } = setup({ approvers: ["alice"] });
    const later = T0 + 20 * 60_000;
    const [link] = issueApprovalLinks(request, { policy, secret, baseUrl: BASE, now: later });
    expect(link?.expiresAt).toBe(request.expiresAt);
  });

  it("makes none for an expired or decided request, or when every approver is a pattern", () => {
    const { policy, request } = setup({ approvers: ["alice"] });
    expect(issueApprovalLinks(request, { policy, secret, baseUrl: BASE, now: request.expiresAt })).toEqual(
      [],
    );
    const denied = { ...request, status: "denied" as const };
    expect(issueApprovalLinks(denied, { policy, secret, baseUrl: BASE, now: T0 })).toEqual([]);
    const patterns = setup({ approvers: ["*", "oncall-*"] });
    expect(issueApprovalLinks(patterns.request, { ...patterns, secret, baseUrl: BASE, now: T0 })).toEqual([]);
  });
});

describe("linkLines", () => {
  it("lists each link with its approver and action, and says they work once until the expiry", () => {
    const { policy, request } = setup({ approvers: ["alice"] });
    const links = issueApprovalLinks(request, { policy, secret, baseUrl: BASE, now: T0 });
    const lines = linkLines(links);
    expect(lines[0]).toBe(
      "decide from your phone (each link works once, only for the approver it names, until 2026-03-10T12:30:00.000Z; do not forward):",
    );
    expect(lines.slice(1)).toEqual([
      `  alice · approve: ${links[0]?.url}`,
      `  alice · deny: ${links[1]?.url}`,
    ]);
  });

  it("adds nothing when there is no link", () => {
    expect(linkLines([])).toEqual([]);
  });
});
