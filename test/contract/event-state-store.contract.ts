import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { type Evaluation, Evaluator } from "../../shared/domain/pipeline/evaluator.ts";
import {
  type EventStateStore,
  exposureKey,
  MAX_COMMIT_ITEMS,
  type StateChanges,
} from "../../shared/ports/event-state-store.ts";
import { configOf, fakeNetwork } from "../support/context.ts";
import { useOf, userKeyRecord } from "../support/records.ts";

/** Lifetime of processed marks the factory must give its stores. */
export const CONTRACT_MARK_TTL_MS = 60_000;

const NOW = Date.parse("2026-03-04T12:00:00Z");
const NOTHING: StateChanges = { processed: [], baselines: [], findings: [], exposures: [] };

function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A real finding of an undeclared source for a key, at `minute` past 10:00 on 2026-03-03. */
function evaluation(keyId: string, minute: number): Evaluation {
  const evaluator = new Evaluator({
    config: configOf({
      profiles: [{ id: "ci", match: { accessKeys: [keyId] }, sources: ["198.51.100.0/24"] }],
    }),
    detections: DETECTIONS,
    baselines: new MemoryBaselines(),
    network: fakeNetwork(),
    clock: { now: () => NOW },
  });
  const use = useOf(
    userKeyRecord({
      eventID: unique("event"),
      eventTime: `2026-03-03T10:${String(minute).padStart(2, "0")}:00Z`,
      userIdentity: {
        type: "IAMUser",
        arn: "arn:aws:iam::111122223333:user/svc-ci",
        accountId: "111122223333",
        accessKeyId: keyId,
        userName: "svc-ci",
      },
    }),
  );
  const result = evaluator.evaluate(use);
  if (result === undefined) throw new Error("the fixture use should make a finding");
  return result;
}

/** The exposure of one finding, as the batch evaluator would first store it. */
function exposureOf(found: Evaluation): Exposure {
  const f = found.finding;
  return {
    credential: f.credential,
    principal: f.principal,
    score: f.score,
    severity: f.severity,
    signals: f.signals,
    findings: 1,
    factors: f.factors,
    reasons: f.reasons,
    firstSeen: f.eventTime,
    lastSeen: f.eventTime,
    decision: f.decision,
    decisionReason: f.decisionReason,
    playbook: f.playbook,
  };
}

function accessKey(): string {
  return `AKIA${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
}

/**
 * The behaviour every EventStateStore must have. `open()` returns a new handle on one shared backing
 * store (a second process, a second Lambda instance), with marks living {@link CONTRACT_MARK_TTL_MS}.
 * Tests use unique keys, so the backing store may be shared by all of them.
 */
export function eventStateStoreContract(subject: string, open: () => EventStateStore): void {
  describe(`${subject} (EventStateStore contract)`, () => {
    it("loads only the baselines that exist, each with a version", async () => {
      const store = open();
      const key = unique("subject");
      expect(await store.loadBaselines([{ namespace: "new-source", key }])).toEqual([]);
      const done = await store.commit(
        {
          ...NOTHING,
          baselines: [{ namespace: "new-source", key, value: { nets: { a: 1 } }, expected: undefined }],
        },
        NOW,
      );
      expect(done.ok).toBe(true);
      const loaded = await open().loadBaselines([
        { namespace: "new-source", key },
        { namespace: "subject", key },
      ]);
      expect(loaded).toEqual([
        { namespace: "new-source", key, value: { nets: { a: 1 } }, version: expect.any(String) },
      ]);
      if (done.ok) expect(done.baselineVersions.get(`new-source\u0000${key}`)).toBe(loaded[0]?.version);
    });

    it("writes a baseline at the version it was read at, and keeps values exactly (null, nesting, unicode)", async () => {
      const store = open();
      const key = unique("arn:aws:iam::111122223333:role/app");
      const ref = { namespace: "use-after-revocation", key };
      await store.commit({ ...NOTHING, baselines: [{ ...ref, value: [1], expected: undefined }] }, NOW);
      const [first] = await store.loadBaselines([ref]);
      const value = { a: null, b: [{ c: "ü → 😀" }], d: 1.5 };
      const second = await store.commit(
        { ...NOTHING, baselines: [{ ...ref, value, expected: first?.version }] },
        NOW,
      );
      expect(second.ok).toBe(true);
      const [reread] = await store.loadBaselines([ref]);
      expect(reread?.value).toEqual(value);
      expect(reread?.version).not.toBe(first?.version);
      const nulled = await store.commit(
        { ...NOTHING, baselines: [{ ...ref, value: null, expected: reread?.version }] },
        NOW,
      );
      expect(nulled.ok).toBe(true);
      expect((await store.loadBaselines([ref]))[0]?.value).toBeNull();
    });

    it("lets one of two writers of the same baseline win; the other is refused and writes nothing", async () => {
      const a = open();
      const b = open();
      const ref = { namespace: "discovery-burst", key: unique("AKIA") };
      const eventA = unique("event");
      const eventB = unique("event");
      const [outA, outB] = await Promise.all([
        a.commit(
          { ...NOTHING, processed: [eventA], baselines: [{ ...ref, value: "a", expected: undefined }] },
          NOW,
        ),
        b.commit(
          { ...NOTHING, processed: [eventB], baselines: [{ ...ref, value: "b", expected: undefined }] },
          NOW,
        ),
      ]);
      expect([outA.ok, outB.ok].sort()).toEqual([false, true]);
      const loser = outA.ok ? outB : outA;
      expect(loser).toEqual({ ok: false, duplicates: [], staleBaselines: [ref], staleExposures: [] });
      const [stored] = await a.loadBaselines([ref]);
      expect(stored?.value).toBe(outA.ok ? "a" : "b");
      // All or nothing: the loser's mark was not written.
      expect(await a.processed([eventA, eventB], NOW)).toEqual(new Set([outA.ok ? eventA : eventB]));
    });

    it("refuses a write whose version went stale, naming the baseline", async () => {
      const store = open();
      const ref = { namespace: "new-source", key: unique("subject") };
      await store.commit({ ...NOTHING, baselines: [{ ...ref, value: 1, expected: undefined }] }, NOW);
      const [v1] = await store.loadBaselines([ref]);
      await open().commit({ ...NOTHING, baselines: [{ ...ref, value: 2, expected: v1?.version }] }, NOW);
      const late = await store.commit(
        { ...NOTHING, baselines: [{ ...ref, value: 3, expected: v1?.version }] },
        NOW,
      );
      expect(late).toMatchObject({ ok: false, staleBaselines: [ref] });
      expect((await store.loadBaselines([ref]))[0]?.value).toBe(2);
    });

    it("marks processed events once: a second mark of the same id is refused as a duplicate", async () => {
      const live = open();
      const trail = open();
      const id = unique("event");
      const other = unique("event");
      expect(await live.processed([id], NOW)).toEqual(new Set());
      expect((await live.commit({ ...NOTHING, processed: [id] }, NOW)).ok).toBe(true);
      expect(await trail.processed([id, other], NOW)).toEqual(new Set([id]));
      const again = await trail.commit({ ...NOTHING, processed: [other, id] }, NOW + 1_000);
      expect(again).toEqual({ ok: false, duplicates: [id], staleBaselines: [], staleExposures: [] });
      expect(await trail.processed([other], NOW)).toEqual(new Set());
    });

    it("forgets a mark once it expired, whether or not it was deleted yet", async () => {
      const store = open();
      const id = unique("event");
      await store.commit({ ...NOTHING, processed: [id] }, NOW);
      expect(await store.processed([id], NOW + CONTRACT_MARK_TTL_MS - 1_000)).toEqual(new Set([id]));
      const later = NOW + CONTRACT_MARK_TTL_MS + 1_000;
      expect(await store.processed([id], later)).toEqual(new Set());
      expect((await store.commit({ ...NOTHING, processed: [id] }, later)).ok).toBe(true);
    });

    it("keeps findings per exposure, newest first, a rewritten finding replacing itself", async () => {
      const store = open();
      const keyId = accessKey();
      const older = evaluation(keyId, 1);
      const newer = evaluation(keyId, 2);
      const key = exposureKey(older.facts);
      expect(key).toBe(`access-key|${keyId}`);
      await store.commit({ ...NOTHING, findings: [older, newer] }, NOW);
      await store.commit({ ...NOTHING, findings: [older] }, NOW);
      const found = await open().findingsOf(key, 10);
      expect(found.map((f) => f.finding.eventId)).toEqual([newer.finding.eventId, older.finding.eventId]);
      expect(found[0]).toEqual({ finding: newer.finding, facts: newer.facts });
      expect((await store.findingsOf(key, 1)).map((f) => f.finding.eventId)).toEqual([newer.finding.eventId]);
      expect(await store.findingsOf(`access-key|${accessKey()}`, 10)).toEqual([]);
    });

    it("keeps the hand-offs of a commit until they are completed, oldest first; a refused commit keeps none", async () => {
      const store = open();
      const found = evaluation(accessKey(), 4);
      const key = exposureKey(found.facts);
      const exposure = exposureOf(found);
      const handoff = (id: string, at: number) => ({ id, exposure, eventIds: [found.finding.eventId], at });
      const later = handoff(unique("h"), NOW + 2);
      const earlier = handoff(unique("h"), NOW + 1);
      const done = await store.commit(
        { ...NOTHING, exposures: [{ key, exposure, expected: undefined }], handoffs: [later, earlier] },
        NOW,
      );
      expect(done.ok).toBe(true);
      const mine = (list: readonly { id: string }[]) =>
        list.map((h) => h.id).filter((id) => id === later.id || id === earlier.id);
      expect(mine(await open().pendingHandoffs(1_000))).toEqual([earlier.id, later.id]);
      const [pending] = (await store.pendingHandoffs(1_000)).filter((h) => h.id === earlier.id);
      expect(pending).toEqual(earlier);

      const lost = handoff(unique("h"), NOW + 3);
      const refused = await open().commit(
        { ...NOTHING, exposures: [{ key, exposure, expected: undefined }], handoffs: [lost] },
        NOW,
      );
      expect(refused.ok).toBe(false);
      expect(mine(await store.pendingHandoffs(1_000))).toEqual([earlier.id, later.id]);
      expect((await store.pendingHandoffs(1_000)).some((h) => h.id === lost.id)).toBe(false);

      await store.completeHandoff(earlier);
      await store.completeHandoff(earlier);
      expect(mine(await open().pendingHandoffs(1_000))).toEqual([later.id]);
    });

    it("versions exposures like baselines: one of two writers wins", async () => {
      const a = open();
      const b = open();
      const found = evaluation(accessKey(), 3);
      const key = exposureKey(found.facts);
      const exposure = exposureOf(found);
      expect(await a.loadExposures([key])).toEqual([]);
      const [outA, outB] = await Promise.all([
        a.commit({ ...NOTHING, exposures: [{ key, exposure, expected: undefined }] }, NOW),
        b.commit(
          { ...NOTHING, exposures: [{ key, exposure: { ...exposure, findings: 2 }, expected: undefined }] },
          NOW,
        ),
      ]);
      expect([outA.ok, outB.ok].sort()).toEqual([false, true]);
      expect(outA.ok ? outB : outA).toMatchObject({ ok: false, staleExposures: [key] });
      const [stored] = await a.loadExposures([key]);
      expect(stored?.exposure.findings).toBe(outA.ok ? 1 : 2);
      const next = await a.commit(
        {
          ...NOTHING,
          exposures: [{ key, exposure: { ...exposure, findings: 9 }, expected: stored?.version }],
        },
        NOW,
      );
      expect(next.ok).toBe(true);
      if (next.ok) expect(next.exposureVersions.get(key)).not.toBe(stored?.version);
      expect((await b.loadExposures([key]))[0]?.exposure.findings).toBe(9);
    });

    it("refuses a commit larger than one transaction holds", async () => {
      const processed = Array.from({ length: MAX_COMMIT_ITEMS + 1 }, () => unique("event"));
      await expect(open().commit({ ...NOTHING, processed }, NOW)).rejects.toThrow(/exceeds the limit of 100/);
    });
  });
}
