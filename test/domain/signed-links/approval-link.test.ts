import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MAX_LINK_LIFETIME_MS,
  redeemApprovalLink,
  SignedLinkError,
  signApprovalLink,
  verifyApprovalLink,
} from "../../../shared/domain/signed-links/approval-link.ts";
import type { UsedLinks } from "../../../shared/ports/used-links.ts";

const secret = randomBytes(32);
const now = Date.parse("2026-03-10T12:00:00Z");
const link = { requestId: "apr-1", action: "approve" as const, issuedAt: now, expiresAt: now + 15 * 60_000 };

function memoryUsedLinks(): UsedLinks & { ids: Set<string> } {
  const ids = new Set<string>();
  return {
    ids,
    consume: (id) => {
      if (ids.has(id)) return false;
      ids.add(id);
      return true;
    },
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SignedLinkError) return error.refusal;
    throw error;
  }
  return "accepted";
}

describe("signApprovalLink and verifyApprovalLink", () => {
  it("round-trips the request, the action and the times", () => {
    const verified = verifyApprovalLink(signApprovalLink(link, secret), secret, now + 1000);
    expect(verified).toMatchObject({ requestId: "apr-1", action: "approve", expiresAt: link.expiresAt });
    expect(verified.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a link one millisecond past its last valid instant, and accepts it just before", () => {
    const token = signApprovalLink(link, secret);
    expect(refusal(() => verifyApprovalLink(token, secret, link.expiresAt - 1))).toBe("accepted");
    expect(refusal(() => verifyApprovalLink(token, secret, link.expiresAt))).toBe("expired");
  });

  it("refuses a link whose payload was changed (another action or request) or signed with another secret", () => {
    const token = signApprovalLink(link, secret);
    const [, signature] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ v: 1, r: "apr-1", a: "deny", i: now, e: link.expiresAt }),
    ).toString("base64url");
    expect(refusal(() => verifyApprovalLink(`${forged}.${signature}`, secret, now))).toBe("bad-signature");
    expect(refusal(() => verifyApprovalLink(token, randomBytes(32), now))).toBe("bad-signature");
    expect(refusal(() => verifyApprovalLink("not-a-link", secret, now))).toBe("malformed");
  });

  it("refuses to sign a link living longer than the maximum, or with a short secret", () => {
    expect(() => signApprovalLink({ ...link, expiresAt: now + MAX_LINK_LIFETIME_MS + 1 }, secret)).toThrow(
      /at most 60 minutes/,
    );
    expect(() => signApprovalLink(link, randomBytes(16))).toThrow(/at least 32 random bytes/);
  });
});

describe("redeemApprovalLink", () => {
  it("works once: the second use of the same link is refused", () => {
    const usedLinks = memoryUsedLinks();
    const deps = { secret, clock: { now: () => now }, usedLinks };
    const token = signApprovalLink(link, secret);
    expect(redeemApprovalLink(token, "apr-1", deps).action).toBe("approve");
    expect(refusal(() => redeemApprovalLink(token, "apr-1", deps))).toBe("used");
  });

  it("refuses a link made for another request without consuming it", () => {
    const usedLinks = memoryUsedLinks();
    const deps = { secret, clock: { now: () => now }, usedLinks };
    const token = signApprovalLink(link, secret);
    expect(refusal(() => redeemApprovalLink(token, "apr-2", deps))).toBe("wrong-request");
    expect(usedLinks.ids.size).toBe(0);
  });

  it("does not consume an expired link", () => {
    const usedLinks = memoryUsedLinks();
    const token = signApprovalLink(link, secret);
    const late = { secret, clock: { now: () => link.expiresAt }, usedLinks };
    expect(refusal(() => redeemApprovalLink(token, "apr-1", late))).toBe("expired");
    expect(usedLinks.ids.size).toBe(0);
  });
});
