import { describe, expect, it } from "vitest";
import { type ApprovalRequest, newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { applyVote } from "../../shared/domain/approvals/verdict.ts";
import type { ApprovalStore } from "../../shared/ports/approval-store.ts";
import { configOf } from "../support/context.ts";
import { exposureOf } from "../support/oncall.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const TTL = configOf().approvals.ttlMs;

/** A pending request for the access key `keyId` (its key: the credential and the playbook). */
function request(id: string, at = T0, keyId = "AKIAEXAMPLE000000001"): ApprovalRequest {
  const exposure = exposureOf({
    decision: "needs-approval",
    credential: { kind: "access-key", id: keyId },
  });
  return newApprovalRequest(exposure, configOf().approvals, at, id);
}

/** A vote by `by` at `at`, as the domain casts it: pure, so a store may call it again. */
function vote(verdict: "approve" | "deny", by: string, at = T0 + 1_000) {
  return (current: ApprovalRequest) => {
    const outcome = applyVote(current, { verdict, by, reason: `${by} looked at it` }, at);
    return outcome.kind === "closed"
      ? { result: outcome.kind }
      : { next: outcome.request, result: outcome.kind };
  };
}

/**
 * The behaviour every ApprovalStore must have. `fresh()` makes a new, empty store and resolves to a
 * function that opens another handle on it (another process, another Lambda instance).
 */
export function approvalStoreContract(subject: string, fresh: () => Promise<() => ApprovalStore>): void {
  describe(`${subject} (ApprovalStore contract)`, () => {
    it("opens one request per key while it is pending and unexpired, a new one once it expired", async () => {
      const open = await fresh();
      const store = open();
      expect(await store.open(request("apr-1"), T0)).toEqual({ request: request("apr-1"), created: true });
      expect(await open().open(request("apr-2", T0 + 1_000), T0 + 1_000)).toEqual({
        request: request("apr-1"),
        created: false,
      });
      expect((await store.open(request("apr-3", T0, "AKIAEXAMPLE000000002"), T0)).created).toBe(true);
      expect((await store.open(request("apr-4", T0 + TTL - 1), T0 + TTL - 1)).created).toBe(false);
      const renewed = request("apr-5", T0 + TTL);
      expect(await store.open(renewed, T0 + TTL)).toEqual({ request: renewed, created: true });
      expect((await store.open(request("apr-6", T0 + TTL + 1), T0 + TTL + 1)).request.id).toBe("apr-5");
      expect(await store.get("apr-2")).toBeUndefined();
    });

    it("opens a new request for a key whose last request was decided", async () => {
      const open = await fresh();
      const store = open();
      await store.open(request("apr-1"), T0);
      expect(await store.update("apr-1", vote("deny", "alice"))).toBe("denied");
      const next = request("apr-2", T0 + 2_000);
      expect(await open().open(next, T0 + 2_000)).toEqual({ request: next, created: true });
    });

    it("gets a request through any handle, lists them newest first, and knows no unknown id", async () => {
      const open = await fresh();
      const store = open();
      await store.open(request("apr-b", T0), T0);
      await store.open(request("apr-c", T0 + 5, "AKIAEXAMPLE000000002"), T0 + 5);
      await store.open(request("apr-a", T0, "AKIAEXAMPLE000000003"), T0);
      const other = open();
      expect(await other.get("apr-c")).toEqual(request("apr-c", T0 + 5, "AKIAEXAMPLE000000002"));
      expect((await other.list()).map((r) => r.id)).toEqual(["apr-c", "apr-a", "apr-b"]);
      expect(await other.get("apr-9")).toBeUndefined();
      expect(await (await fresh())().list()).toEqual([]);
    });

    it("writes what a change returns, nothing when it returns no request or throws, and answers undefined for an unknown id", async () => {
      const open = await fresh();
      const store = open();
      await store.open(request("apr-1"), T0);
      await expect(
        store.update("apr-1", () => {
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect(await store.update("apr-1", () => ({ result: "looked" }))).toBe("looked");
      expect(await store.get("apr-1")).toEqual(request("apr-1"));
      expect(await store.update("apr-1", vote("approve", "alice"))).toBe("approved");
      expect(await open().get("apr-1")).toMatchObject({
        status: "approved",
        decision: { by: "alice", verdict: "approved" },
      });
      expect(await store.update("apr-1", vote("deny", "bob"))).toBe("closed");
      expect(await store.update("apr-9", () => ({ result: 1 }))).toBeUndefined();
    });

    it("lets exactly one of two votes cast at once through two handles decide; the other sees it decided", async () => {
      const open = await fresh();
      await open().open(request("apr-1"), T0);
      const results = await Promise.all([
        open().update("apr-1", vote("approve", "alice")),
        open().update("apr-1", vote("deny", "bob")),
      ]);
      expect(results.filter((r) => r === "closed")).toHaveLength(1);
      const stored = await open().get("apr-1");
      const winner = results.find((r) => r !== "closed");
      expect(stored?.status).toBe(winner);
      expect(stored?.decision?.by).toBe(winner === "approved" ? "alice" : "bob");
    });

    it("creates one request when two openers race for one key", async () => {
      const open = await fresh();
      const [a, b] = await Promise.all([
        open().open(request("apr-a"), T0),
        open().open(request("apr-b"), T0),
      ]);
      expect([a?.created, b?.created].sort()).toEqual([false, true]);
      expect(a?.request.id).toBe(b?.request.id);
      expect((await open().list()).map((r) => r.id)).toEqual([a?.request.id]);
    });
  });
}
