import { describe, expect, it } from "vitest";
import { runStepEntries, undoStepEntries } from "../../../shared/domain/ledger/runs.ts";
import type { RunRecord } from "../../../shared/ports/playbook-run-store.ts";

const T = Date.parse("2026-03-10T12:00:00Z");

const run: RunRecord = {
  id: "run-1",
  key: "k",
  playbook: "deactivate-access-key",
  principal: "arn:aws:iam::111122223333:user/svc-ci",
  account: "111122223333",
  credential: "access-key:AKIAEXAMPLE000000001",
  reason: "critical reaches the auto band",
  status: "completed",
  createdAt: T,
  updatedAt: T + 2_000,
  steps: [
    {
      index: 0,
      step: "deactivate-access-key",
      target: "AKIAEXAMPLE000000001",
      params: {},
      destructive: true,
      status: "applied",
      attempts: 1,
      finishedAt: T + 1_000,
      undo: { status: "undone", reason: "set Active again", at: T + 60_000 },
    },
    {
      index: 1,
      step: "notify",
      target: "arn",
      params: {},
      destructive: false,
      status: "pending",
      attempts: 0,
    },
  ],
};

describe("runStepEntries", () => {
  it("records each finished step by vigil, about the run's credential, at the time it finished", () => {
    const [entry, ...rest] = runStepEntries(run);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      time: "2026-03-10T12:00:01.000Z",
      actor: { kind: "vigil", id: "vigil" },
      action: "playbook-step",
      subject: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
      change: {
        runId: "run-1",
        step: "deactivate-access-key",
        target: "AKIAEXAMPLE000000001",
        status: "applied",
      },
    });
    expect(entry?.controls.nistCsf).toContain("RS.MI-01");
  });
});

describe("undoStepEntries", () => {
  it("records what undo did, by the person who asked for it", () => {
    expect(undoStepEntries(run, { kind: "human", id: "alice" })).toMatchObject([
      {
        time: "2026-03-10T12:01:00.000Z",
        actor: { kind: "human", id: "alice" },
        action: "undo-step",
        reason: "set Active again",
        change: { step: "deactivate-access-key", status: "undone" },
      },
    ]);
  });
});
