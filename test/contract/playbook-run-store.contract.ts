import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { PlaybookRunStore, RunRecord, StepRecord } from "../../shared/ports/playbook-run-store.ts";

function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function runOf(overrides: Partial<RunRecord> = {}): RunRecord {
  const id = unique("run");
  return {
    id,
    key: unique("plan"),
    playbook: "quarantine-user",
    principal: "arn:aws:iam::111122223333:user/svc",
    account: unique("acct"),
    credential: "access-key:AKIAEXAMPLE000000001",
    reason: "critical: unexpected source",
    status: "running",
    createdAt: 1_000,
    updatedAt: 1_000,
    steps: [
      {
        index: 0,
        step: "deactivate-access-key",
        target: "AKIAEXAMPLE000000001",
        params: { accessKeyId: "AKIAEXAMPLE000000001", userArn: "arn:aws:iam::111122223333:user/svc" },
        destructive: true,
        status: "pending",
        attempts: 0,
      },
      {
        index: 1,
        step: "notify",
        target: "on-call",
        params: { subject: "vigil" },
        destructive: false,
        status: "pending",
        attempts: 0,
      },
    ],
    ...overrides,
  };
}

/**
 * The behaviour every PlaybookRunStore must have. `open()` returns a new handle on one shared backing
 * store (another process, another Lambda instance); tests use unique ids.
 */
export function playbookRunStoreContract(subject: string, open: () => PlaybookRunStore): void {
  describe(`${subject} (PlaybookRunStore contract)`, () => {
    it("keeps a run with its steps, finds it by plan while it runs, and not once it finished", async () => {
      const store = open();
      const run = runOf();
      await store.createRun(run);
      expect(await open().getRun(run.id)).toEqual(run);
      expect(await open().findUnfinished(run.key)).toEqual(run);
      await store.setRunStatus(run.id, "completed", 2_000);
      expect(await store.findUnfinished(run.key)).toBeUndefined();
      expect(await store.getRun(run.id)).toMatchObject({ status: "completed", updatedAt: 2_000 });
      expect(await store.getRun(unique("run"))).toBeUndefined();
      expect(await store.findUnfinished(unique("plan"))).toBeUndefined();
    });

    it("finds the running one among several runs of one plan", async () => {
      const store = open();
      const key = unique("plan");
      const done = runOf({ key, createdAt: 1_000 });
      const running = runOf({ key, createdAt: 2_000 });
      await store.createRun(done);
      await store.setRunStatus(done.id, "failed", 1_500);
      await store.createRun(running);
      expect((await store.findUnfinished(key))?.id).toBe(running.id);
    });

    it("saves a step with its result and undo, and moves the run's updatedAt", async () => {
      const store = open();
      const run = runOf();
      await store.createRun(run);
      const applied: StepRecord = {
        ...run.steps[0]!,
        status: "applied",
        attempts: 2,
        startedAt: 1_100,
        finishedAt: 1_200,
        result: { changed: true, before: { status: "Active" }, after: { status: "Inactive" }, notes: ["n"] },
        undo: { status: "undone", reason: "reactivated", at: 5_000 },
      };
      await store.saveStep(run.id, applied, 1_200);
      const reread = await open().getRun(run.id);
      expect(reread?.steps).toEqual([applied, run.steps[1]]);
      expect(reread?.updatedAt).toBe(1_200);
    });

    it("locks a subject for one run at a time: the holder is named, the same run may take it again", async () => {
      const store = open();
      const subject = unique("arn:aws:iam::111122223333:user/svc");
      expect(await store.acquireLock(subject, "run-a", 1_000, 60_000)).toBeUndefined();
      expect(await open().acquireLock(subject, "run-b", 2_000, 60_000)).toBe("run-a");
      expect(await store.acquireLock(subject, "run-a", 3_000, 60_000)).toBeUndefined();
      await open().releaseLock(subject, "run-b"); // not the holder: nothing happens
      expect(await store.acquireLock(subject, "run-b", 4_000, 60_000)).toBe("run-a");
      await store.releaseLock(subject, "run-a");
      expect(await store.acquireLock(subject, "run-b", 5_000, 60_000)).toBeUndefined();
    });

    it("lets another run take a lock whose holder died (expired)", async () => {
      const store = open();
      const subject = unique("subject");
      await store.acquireLock(subject, "run-a", 1_000, 60_000);
      expect(await open().acquireLock(subject, "run-b", 61_000, 60_000)).toBeUndefined();
      expect(await store.acquireLock(subject, "run-a", 62_000, 60_000)).toBe("run-b");
    });

    it("gives a contested lock to exactly one of two runs taking it at once", async () => {
      const subject = unique("subject");
      const results = await Promise.all([
        open().acquireLock(subject, "run-a", 1_000, 60_000),
        open().acquireLock(subject, "run-b", 1_000, 60_000),
      ]);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      expect(results.filter((r) => r !== undefined)[0]).toMatch(/^run-[ab]$/);
    });

    it("caps destructive actions per account and window; a step keeps the claim it holds", async () => {
      const store = open();
      const account = unique("acct");
      const [a, b, c] = [unique("run"), unique("run"), unique("run")];
      expect(await store.claimAction(account, a, 0, 1_000, 0, 2)).toEqual({ granted: true, used: 1 });
      expect(await store.claimAction(account, b, 0, 1_100, 0, 2)).toEqual({ granted: true, used: 2 });
      expect(await open().claimAction(account, c, 0, 1_200, 0, 2)).toEqual({ granted: false, used: 2 });
      expect(await store.claimAction(account, a, 0, 1_300, 0, 2)).toEqual({ granted: true, used: 2 });
      // Claims before the window do not count; other accounts are separate.
      expect(await store.claimAction(account, c, 0, 9_000, 1_050, 2)).toEqual({ granted: true, used: 2 });
      expect(await store.claimAction(unique("acct"), c, 1, 9_000, 0, 2)).toEqual({
        granted: true,
        used: 1,
      });
    });

    it("grants the last action of the cap to exactly one of two runs claiming it at once", async () => {
      const account = unique("acct");
      const results = await Promise.all(
        [unique("run"), unique("run"), unique("run")].map((runId) =>
          open().claimAction(account, runId, 0, 1_000, 0, 1),
        ),
      );
      expect(results.filter((r) => r.granted)).toHaveLength(1);
      expect(results.filter((r) => !r.granted).map((r) => r.used)).toEqual([1, 1]);
    });

    it("sets, reads and clears the kill switch", async () => {
      const store = open();
      await store.setKillSwitch({ reason: "incident 42", since: 7 });
      expect(await open().killSwitch()).toEqual({ reason: "incident 42", since: 7 });
      await store.setKillSwitch(undefined);
      expect(await store.killSwitch()).toBeUndefined();
    });
  });
}
