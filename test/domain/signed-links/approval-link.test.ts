import { createHmac, randomBytes } from "node:crypto";
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
const link = {
  requestId: "apr-1",
  action: "approve" as const,
  approver: "alice",
  issuedAt: now,
  expiresAt: now + 15 * 60_000,
};

function memoryUsedLinks(): UsedLinks & { ids: Set<string> } {
  const ids = new Set<string>();
  return {
    ids,
    consume: async (id) => {
      if (ids.has(id)) return false;
      ids.add(id);
      return true;
    },
  };
}

async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof SignedLinkError) return error.refusal;
    throw error;
  }
  return "accepted";
}

/** A token whose payload is `payload`, signed correctly (what a holder of the secret could make). */
function signedPayload(payload: unknown): string {
  const text = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const mac = createHmac("sha256", secret).update(`vigil-approval-link:${text}`, "utf8").digest();
  return `${text}.${mac.toString("base64url")}`;
}

describe("signApprovalLink and verifyApprovalLink", () => {
  it("round-trips the request, the action, the approver and the times", () => {
    const verified = verifyApprovalLink(signApprovalLink(link, secret), secret, now + 1000);
    expect(verified).toMatchObject({
      requestId: "apr-1",
      action: "approve",
      approver: "alice",
      issuedAt: now,
      expiresAt: link.expiresAt,
    });
    expect(verified.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives links for different approvers of the same request and action different ids", () => {
    const alice = verifyApprovalLink(signApprovalLink(link, secret), secret, now);
    const bob = verifyApprovalLink(signApprovalLink({ ...link, approver: "bob" }, secret), secret, now);
    expect(bob.approver).toBe("bob");
    expect(bob.id).not.toBe(alice.id);
  });

  it("refuses a link one millisecond past its last valid instant, and accepts it just before", async () => {
    const token = signApprovalLink(link, secret);
    expect(await refusal(() => verifyApprovalLink(token, secret, link.expiresAt - 1))).toBe("accepted");
    expect(await refusal(() => verifyApprovalLink(token, secret, link.expiresAt))).toBe("expired");
  });

  it("refuses a link whose payload was changed (another action, request or approver) or signed with another secret", async () => {
    const token = signApprovalLink(link, secret);
    const [, signature] = token.split(".");
    const payload = { v: 2, r: "apr-1", a: "approve", p: "alice", i: now, e: link.expiresAt };
    for (const changed of [{ a: "deny" }, { r: "apr-2" }, { p: "mallory" }]) {
      const forged = Buffer.from(JSON.stringify({ ...payload, ...changed })).toString("base64url");
      expect(await refusal(() => verifyApprovalLink(`${forged}.${signature}`, secret, now))).toBe(
        "bad-signature",
      );
    }
    expect(await refusal(() => verifyApprovalLink(token, randomBytes(32), now))).toBe("bad-signature");
    expect(await refusal(() => verifyApprovalLink("not-a-link", secret, now))).toBe("malformed");
  });

  it("refuses a signed link that names no approver (the format before links were bound to one)", async () => {
    const old = signedPayload({ v: 1, r: "apr-1", a: "approve", i: now, e: link.expiresAt });
    expect(await refusal(() => verifyApprovalLink(old, secret, now))).toBe("malformed");
    const current = signedPayload({ v: 2, r: "apr-1", a: "approve", p: "alice", i: now, e: link.expiresAt });
    expect(await refusal(() => verifyApprovalLink(current, secret, now))).toBe("accepted");
  });

  it("refuses to sign a link living longer than the maximum, with a short secret, or for no approver", () => {
    expect(() => signApprovalLink({ ...link, expiresAt: now + MAX_LINK_LIFETIME_MS + 1 }, secret)).toThrow(
      /at most 60 minutes/,
    );
    expect(() => signApprovalLink(link, randomBytes(16))).toThrow(/at least 32 random bytes/);
    expect(() => signApprovalLink({ ...link, approver: "" }, secret)).toThrow(/for one approver/);
  });
});

describe("redeemApprovalLink", () => {
  it("works once: the second use of the same link is refused", async () => {
    const usedLinks = memoryUsedLinks();
    const deps = { secret, clock: { now: () => now }, usedLinks };
    const token = signApprovalLink(link, secret);
    expect(await redeemApprovalLink(token, "apr-1", deps)).toMatchObject({
      action: "approve",
      approver: "alice",
    });
    expect(await refusal(() => redeemApprovalLink(token, "apr-1", deps))).toBe("used");
  });

  it("refuses a link made for another request without consuming it", async () => {
    const usedLinks = memoryUsedLinks();
    const deps = { secret, clock: { now: () => now }, usedLinks };
    const token = signApprovalLink(link, secret);
    expect(await refusal(() => redeemApprovalLink(token, "apr-2", deps))).toBe("wrong-request");
    expect(usedLinks.ids.size).toBe(0);
  });

  it("does not consume an expired link", async () => {
    const usedLinks = memoryUsedLinks();
    const token = signApprovalLink(link, secret);
    const late = { secret, clock: { now: () => link.expiresAt }, usedLinks };
    expect(await refusal(() => redeemApprovalLink(token, "apr-1", late))).toBe("expired");
    expect(usedLinks.ids.size).toBe(0);
  });
});
