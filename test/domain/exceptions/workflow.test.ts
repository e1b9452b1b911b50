import { describe, expect, it } from "vitest";
import { decide } from "../../../shared/domain/decide/decide.ts";
import {
  DurationTooLongError,
  ExceptionEndedError,
  ExceptionInputError,
  ExceptionNotFoundError,
  LiftError,
} from "../../../shared/domain/exceptions/errors.ts";
import { credentialScope, grantException } from "../../../shared/domain/exceptions/grant.ts";
import { liftQuarantine } from "../../../shared/domain/exceptions/lift.ts";
import { revokeException } from "../../../shared/domain/exceptions/revoke.ts";
import { type SweepDeps, sweepExceptions } from "../../../shared/domain/exceptions/sweep.ts";
import type { Exposure } from "../../../shared/domain/finding.ts";
import { planPlaybook } from "../../../shared/domain/playbooks/catalog.ts";
import { KillSwitchError, runPlaybook } from "../../../shared/domain/playbooks/executor.ts";
import type { PlaybookDispatch } from "../../../shared/ports/playbook-dispatch.ts";
import type { QuarantineRuns } from "../../../shared/ports/quarantine-runs.ts";
import { configOf } from "../../support/context.ts";
import {
  exposureOf,
  ids,
  MemoryApprovalStore,
  MemoryExceptionStore,
  MemoryLedger,
  MemoryPlaybookDispatch,
  MemoryStoredExposures,
  TestClock,
} from "../../support/oncall.ts";
import { FakeIam, FakeNotifier, fakeExecutor, MemoryPlaybookRunStore } from "../../support/playbooks.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const USER = "arn:aws:iam::111122223333:user/svc-ci";
const ROLE = "arn:aws:iam::111122223333:role/app";
const KEY = "AKIAEXAMPLE000000001";

function world(stored: readonly Exposure[] = []) {
  const config = configOf({ exceptions: { maxHours: 8 } });
  const clock = new TestClock(T0);
  const iam = new FakeIam().addUser("svc-ci", { [KEY]: "Active" }).addRole("app");
  const runs = new MemoryPlaybookRunStore();
  const notifier = new FakeNotifier();
  const executor = fakeExecutor({ config, clock, iam, notifier, runs });
  const exceptions = new MemoryExceptionStore();
  const ledger = new MemoryLedger();
  const exposures = new MemoryStoredExposures(stored);
  const approvals = new MemoryApprovalStore();
  const quarantines: QuarantineRuns = {
    quarantinesOf: (arn) =>
      [...runs.runs.values()]
        .filter(
          (r) =>
            r.principal === arn &&
            r.steps.some((s) => s.step === "quarantine-role" && s.status === "applied"),
        )
        .map((r) => r.id)
        .reverse(),
  };
  const newId = ids("exc");
  const grantDeps = { exceptions, ledger, clock, newId, policy: config.exceptions };
  const sweepDeps = {
    config,
    exceptions,
    exposures,
    ledger,
    executor,
    approvals: { approvals, ledger, clock, newId: ids("apr"), policy: config.approvals, notifier },
  };
  const liftDeps = { executor, exceptions, quarantines, ledger, policy: config.exceptions, newId };
  return {
    config,
    clock,
    iam,
    runs,
    executor,
    exceptions,
    ledger,
    exposures,
    approvals,
    grantDeps,
    sweepDeps,
    liftDeps,
  };
}

const grant = {
  scope: { kind: "principal" as const, arn: USER },
  hours: 1,
  reason: "incident 4711",
  by: "alice",
};

/** An exposure of the key stored as suppressed by `exceptionId`, as a replay under the exception left it. */
function suppressedBy(exceptionId: string, severity: Exposure["severity"] = "critical"): Exposure {
  return exposureOf({
    severity,
    score: severity === "critical" ? 85 : 70,
    decision: "suppressed-by-exception",
    decisionReason: `suppressed by exception ${exceptionId} (principal ${USER}, granted by alice until 2026-03-10T13:00:00.000Z: incident 4711); without it: auto: …`,
  });
}

describe("grantException", () => {
  it("stores the exception for the asked duration and records exception-granted by the grantor", async () => {
    const { grantDeps, exceptions, ledger } = world();
    const granted = await grantException(
      { ...grant, playbooks: ["deactivate-access-key"], signals: ["unexpected-source"] },
      grantDeps,
    );
    expect(granted).toMatchObject({ id: "exc-1", grantedAt: T0, expiresAt: T0 + HOUR, grantedBy: "alice" });
    expect(await exceptions.get("exc-1")).toEqual(granted);
    expect(ledger.records).toHaveLength(1);
    expect(ledger.records[0]).toMatchObject({
      action: "exception-granted",
      actor: { kind: "human", id: "alice" },
      subject: { kind: "principal", id: USER },
      reason: "incident 4711",
      change: {
        exceptionId: "exc-1",
        expiresAt: "2026-03-10T13:00:00.000Z",
        playbooks: ["deactivate-access-key"],
      },
    });
  });

  it("refuses a missing reason, a duration over the maximum, and bad scopes, and records nothing", async () => {
    const { grantDeps, ledger, exceptions } = world();
    await expect(grantException({ ...grant, reason: "  " }, grantDeps)).rejects.toThrow(
      new ExceptionInputError("the reason is missing or empty; say why the exception is needed"),
    );
    await expect(grantException({ ...grant, hours: 8.5 }, grantDeps)).rejects.toThrow(DurationTooLongError);
    await expect(grantException({ ...grant, hours: 8.5 }, grantDeps)).rejects.toThrow(
      "a duration of 8.5 hours is longer than the 8 hours the configuration allows (exceptions.maxHours)",
    );
    await expect(grantException({ ...grant, hours: 0 }, grantDeps)).rejects.toThrow(
      "is not a positive number of hours",
    );
    await expect(
      grantException({ ...grant, scope: { kind: "principal", arn: "svc-ci" } }, grantDeps),
    ).rejects.toThrow('principal "svc-ci" is not an IAM ARN');
    await expect(grantException({ ...grant, playbooks: ["nuke"] }, grantDeps)).rejects.toThrow(
      'playbook "nuke" is unknown',
    );
    await expect(grantException({ ...grant, signals: ["boom"] }, grantDeps)).rejects.toThrow(
      'signal "boom" is unknown',
    );
    await expect(
      grantException({ ...grant, scope: { kind: "pattern", pattern: USER } }, grantDeps),
    ).rejects.toThrow("has no * or ?");
    expect(ledger.records).toHaveLength(0);
    expect(await exceptions.list()).toHaveLength(0);
    expect((await grantException({ ...grant, hours: 8 }, grantDeps)).expiresAt).toBe(T0 + 8 * HOUR);
  });

  it("reads credentials as KIND:ID or by their shape", () => {
    expect(credentialScope(KEY)).toEqual({ kind: "credential", credential: { kind: "access-key", id: KEY } });
    expect(credentialScope(`role-session:${ROLE}`)).toEqual({
      kind: "credential",
      credential: { kind: "role-session", id: ROLE },
    });
    expect(credentialScope(ROLE).kind === "credential" && credentialScope(ROLE)).toMatchObject({
      credential: { kind: "role-session" },
    });
    expect(() => credentialScope("prod/orders-db")).toThrow("write it as KIND:ID");
  });
});

describe("revokeException", () => {
  it("ends it at the revocation instant and records exception-revoked by who revoked it", async () => {
    const { grantDeps, clock, ledger } = world();
    await grantException(grant, grantDeps);
    clock.advance(600_000);
    const revoked = await revokeException("exc-1", { by: "bob", reason: "incident closed" }, grantDeps);
    expect(revoked.revoked).toEqual({ by: "bob", reason: "incident closed", at: T0 + 600_000 });
    expect(ledger.records.at(-1)).toMatchObject({
      action: "exception-revoked",
      actor: { kind: "human", id: "bob" },
      reason: "incident closed",
    });
  });

  it("refuses to revoke twice, after expiry, without a reason, or an unknown id", async () => {
    const { grantDeps, clock, ledger } = world();
    await grantException(grant, grantDeps);
    await expect(revokeException("exc-1", { by: "bob", reason: "" }, grantDeps)).rejects.toThrow(
      ExceptionInputError,
    );
    await revokeException("exc-1", { by: "bob", reason: "closed" }, grantDeps);
    await expect(revokeException("exc-1", { by: "carol", reason: "closed" }, grantDeps)).rejects.toThrow(
      ExceptionEndedError,
    );
    await expect(revokeException("exc-1", { by: "carol", reason: "closed" }, grantDeps)).rejects.toThrow(
      "exception exc-1 was revoked by bob at 2026-03-10T12:00:00.000Z; there is nothing to revoke",
    );
    await grantException(grant, grantDeps);
    clock.set(T0 + HOUR);
    await expect(revokeException("exc-2", { by: "bob", reason: "closed" }, grantDeps)).rejects.toThrow(
      "exception exc-2 expired at 2026-03-10T13:00:00.000Z; there is nothing to revoke",
    );
    await expect(revokeException("exc-9", { by: "bob", reason: "closed" }, grantDeps)).rejects.toThrow(
      ExceptionNotFoundError,
    );
    expect(ledger.actions()).toEqual(["exception-granted", "exception-revoked", "exception-granted"]);
  });
});

describe("sweepExceptions: the end of an exception", () => {
  it("does nothing one second before the expiry; at the expiry re-decides what it suppressed, runs it and records it", async () => {
    const { grantDeps, sweepDeps, clock, ledger, exposures, iam } = world([suppressedBy("exc-1")]);
    await grantException(grant, grantDeps);
    clock.set(T0 + HOUR - 1000);
    const early = await sweepExceptions(sweepDeps);
    expect(early.ended).toEqual([]);
    expect(await exposures.suppressed()).toHaveLength(1);

    clock.set(T0 + HOUR);
    const report = await sweepExceptions(sweepDeps);
    expect(report.ended.map((e) => [e.exception.id, e.how, e.redecided.map((x) => x.decision)])).toEqual([
      ["exc-1", "expired", ["auto"]],
    ]);
    expect(await exposures.suppressed()).toEqual([]);
    expect([...exposures.exposures.values()][0]?.decision).toBe("auto");
    expect(report.runs.map((r) => r.status)).toEqual(["completed"]);
    expect(iam.keys.get("svc-ci")?.get(KEY)).toBe("Inactive");
    expect(ledger.actions()).toEqual([
      "exception-granted",
      "exception-expired",
      "finding-decided",
      "playbook-step",
      "playbook-step",
    ]);
    expect(ledger.records[1]).toMatchObject({ time: "2026-03-10T13:00:00.000Z", actor: { kind: "vigil" } });
    expect(ledger.records[2]?.change).toMatchObject({ runId: "exception-end:exc-1", decision: "auto" });

    const again = await sweepExceptions(sweepDeps);
    expect(again).toEqual({ ended: [], runs: [], dispatched: [], reapplied: [], notReapplied: [] });
    expect(ledger.records).toHaveLength(5);
  });

  it("opens an approval request for an exposure re-decided needs-approval, and records no expiry for a revocation", async () => {
    const { grantDeps, sweepDeps, clock, ledger, approvals } = world([suppressedBy("exc-1", "high")]);
    await grantException(grant, grantDeps);
    clock.advance(60_000);
    await revokeException("exc-1", { by: "bob", reason: "done early" }, grantDeps);
    const report = await sweepExceptions(sweepDeps);
    expect(report.ended.map((e) => e.how)).toEqual(["revoked"]);
    expect(report.runs).toEqual([]);
    expect((await approvals.list()).map((r) => [r.status, r.exposure.credential.id])).toEqual([
      ["pending", KEY],
    ]);
    expect(ledger.actions()).toEqual([
      "exception-granted",
      "exception-revoked",
      "finding-decided",
      "approval-requested",
    ]);
  });

  it("leaves exposures another exception suppresses, and records the use when another one still covers", async () => {
    const { grantDeps, sweepDeps, clock, ledger, exposures } = world([suppressedBy("exc-1")]);
    await grantException(grant, grantDeps);
    clock.advance(1000);
    await grantException({ ...grant, hours: 2, reason: "second team" }, grantDeps);
    clock.set(T0 + HOUR);
    await sweepExceptions(sweepDeps);
    const [stored] = [...exposures.exposures.values()];
    expect(stored?.decision).toBe("suppressed-by-exception");
    expect(stored?.decisionReason).toMatch(/^suppressed by exception exc-2 /);
    expect(ledger.actions().slice(2)).toEqual(["exception-expired", "finding-decided", "exception-used"]);
    expect(ledger.records.at(-1)?.change).toMatchObject({ exceptionId: "exc-2" });
  });
});

describe("an exception granted while a run is executing", () => {
  it("lets the run finish (it was decided before the grant) and suppresses every decision made after the grant", async () => {
    const { grantDeps, executor, iam, config } = world();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const update = iam.updateAccessKeyStatus.bind(iam);
    iam.updateAccessKeyStatus = async (...args) => {
      entered();
      await gate;
      return update(...args);
    };
    const credential = { kind: "access-key" as const, id: KEY };
    const running = runPlaybook(
      {
        playbook: planPlaybook("deactivate-access-key", { credential, principalArn: USER, at: T0 }),
        principalArn: USER,
        credential,
        reason: "critical",
      },
      executor,
    );
    await inside;
    const exception = await grantException(grant, grantDeps);
    release();
    const run = await running;
    expect(run.status).toBe("completed");
    expect(iam.keys.get("svc-ci")?.get(KEY)).toBe("Inactive");
    const after = decide({ severity: "critical", credential, principalArn: USER }, config, {
      exceptions: [exception],
      at: T0,
    });
    expect(after.decision).toBe("suppressed-by-exception");
  });
});

describe("liftQuarantine and its re-application", () => {
  async function quarantined(w: ReturnType<typeof world>) {
    const credential = { kind: "role-session" as const, id: ROLE };
    return runPlaybook(
      {
        playbook: planPlaybook("quarantine-role", { credential, principalArn: ROLE, at: T0 }),
        principalArn: ROLE,
        credential,
        reason: "credential-exfiltration",
      },
      w.executor,
    );
  }
  const lift = {
    principalArn: ROLE,
    hours: 2,
    reason: "on-call needs the role to restore orders",
    by: "alice",
  };

  it("removes the quarantine through the step's undo, keeps it off until the lift expires, then puts it back once", async () => {
    const w = world();
    const run = await quarantined(w);
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(true);
    w.clock.advance(60_000);
    const lifted = await liftQuarantine(lift, w.liftDeps);
    expect(lifted.lift).toMatchObject({ runId: run.id, step: "quarantine-role", target: ROLE });
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(false);
    expect(w.iam.tags.get("role/app")?.["vigil:quarantined"]).toBeUndefined();
    expect(w.ledger.records.at(-1)).toMatchObject({
      action: "quarantine-lifted",
      actor: { kind: "human", id: "alice" },
      subject: { kind: "principal", id: ROLE },
      change: { runId: run.id, expiresAt: "2026-03-10T14:01:00.000Z" },
    });

    w.clock.set(lifted.expiresAt - 1000);
    expect((await sweepExceptions(w.sweepDeps)).reapplied).toEqual([]);
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(false);

    w.clock.set(lifted.expiresAt);
    const report = await sweepExceptions(w.sweepDeps);
    expect(report.reapplied.map((r) => [r.exception.id, r.run.status])).toEqual([[lifted.id, "completed"]]);
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(true);
    expect((await w.exceptions.get(lifted.id))?.lift?.reapplied).toEqual({
      at: lifted.expiresAt,
      runId: report.reapplied[0]?.run.id,
    });
    expect(w.ledger.actions().slice(-3)).toEqual([
      "exception-expired",
      "playbook-step",
      "quarantine-reapplied",
    ]);
    expect(w.ledger.records.at(-1)).toMatchObject({
      actor: { kind: "vigil" },
      change: { status: "applied" },
    });

    expect((await sweepExceptions(w.sweepDeps)).reapplied).toEqual([]);
    expect(w.ledger.actions().filter((a) => a === "quarantine-reapplied")).toHaveLength(1);
  });

  it("puts the quarantine back when the lift is revoked early", async () => {
    const w = world();
    await quarantined(w);
    const lifted = await liftQuarantine(lift, w.liftDeps);
    w.clock.advance(1000);
    await revokeException(lifted.id, { by: "bob", reason: "emergency over" }, w.grantDeps);
    const report = await sweepExceptions(w.sweepDeps);
    expect(report.reapplied).toHaveLength(1);
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(true);
  });

  it("retries the re-application on the next sweep when the kill switch blocks it", async () => {
    const w = world();
    await quarantined(w);
    const lifted = await liftQuarantine(lift, w.liftDeps);
    w.clock.set(lifted.expiresAt);
    await w.runs.setKillSwitch({ reason: "drill", since: T0 });
    const blocked = await sweepExceptions(w.sweepDeps);
    expect(blocked.notReapplied.map((n) => n.why)).toEqual([
      expect.stringContaining("the kill switch is on"),
    ]);
    expect(w.ledger.actions()).not.toContain("quarantine-reapplied");
    await w.runs.setKillSwitch(undefined);
    const retried = await sweepExceptions(w.sweepDeps);
    expect(retried.reapplied).toHaveLength(1);
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(true);
  });

  it("refuses to lift without a quarantine, twice, over the maximum, or under the kill switch", async () => {
    const w = world();
    await expect(liftQuarantine(lift, w.liftDeps)).rejects.toThrow(
      `no applied quarantine of ${ROLE} in the store's playbook runs`,
    );
    await quarantined(w);
    await expect(liftQuarantine({ ...lift, hours: 9 }, w.liftDeps)).rejects.toThrow(DurationTooLongError);
    await w.runs.setKillSwitch({ reason: "drill", since: T0 });
    await expect(liftQuarantine(lift, w.liftDeps)).rejects.toThrow(KillSwitchError);
    await w.runs.setKillSwitch(undefined);
    const lifted = await liftQuarantine(lift, w.liftDeps);
    await expect(liftQuarantine(lift, w.liftDeps)).rejects.toThrow(LiftError);
    await expect(liftQuarantine(lift, w.liftDeps)).rejects.toThrow(
      `the quarantine of ${ROLE} is already lifted by ${lifted.id} until 2026-03-10T14:00:00.000Z; revoke it first to lift it for another period`,
    );
    w.clock.set(lifted.expiresAt);
    await expect(liftQuarantine(lift, w.liftDeps)).rejects.toThrow(
      "is not back yet; run 'vigil exceptions sweep'",
    );
    expect(w.ledger.actions().filter((a) => a === "quarantine-lifted")).toHaveLength(1);
  });

  it("suppresses vigil's own decisions on the principal while the lift lasts", async () => {
    const w = world();
    await quarantined(w);
    const lifted = await liftQuarantine(lift, w.liftDeps);
    const subject = {
      severity: "critical" as const,
      credential: { kind: "role-session" as const, id: ROLE },
      principalArn: ROLE,
    };
    expect(decide(subject, w.config, { exceptions: await w.exceptions.activeAt(T0), at: T0 }).decision).toBe(
      "suppressed-by-exception",
    );
    const end = lifted.expiresAt;
    expect(
      decide(subject, w.config, { exceptions: await w.exceptions.activeAt(end), at: end }).decision,
    ).toBe("auto");
  });
});

describe("sweepExceptions with a dispatch instead of an executor", () => {
  function dispatching(w: ReturnType<typeof world>, dispatch: PlaybookDispatch): SweepDeps {
    const { config, exceptions, exposures, ledger, clock } = w;
    return { config, exceptions, exposures, ledger, clock, dispatch, approvals: w.sweepDeps.approvals };
  }

  it("queues a re-decided auto exposure under a key naming the exception, records it, and runs nothing here", async () => {
    const w = world([suppressedBy("exc-1")]);
    const dispatch = new MemoryPlaybookDispatch();
    await grantException(grant, w.grantDeps);
    w.clock.set(T0 + HOUR);
    const report = await sweepExceptions(dispatching(w, dispatch));
    expect(dispatch.calls).toHaveLength(1);
    expect(dispatch.calls[0]).toMatchObject({
      dedupeKey: `exception-end:exc-1:access-key:${KEY}`,
      request: {
        playbook: { id: "deactivate-access-key" },
        principalArn: USER,
        credential: { kind: "access-key", id: KEY },
      },
    });
    expect(report.dispatched).toEqual(dispatch.calls);
    expect(report.runs).toEqual([]);
    expect(w.iam.keys.get("svc-ci")?.get(KEY)).toBe("Active");
    expect(w.runs.runs.size).toBe(0);
    expect(w.ledger.actions()).toEqual([
      "exception-granted",
      "exception-expired",
      "finding-decided",
      "playbook-dispatched",
    ]);
    expect(w.ledger.records.at(-1)).toMatchObject({
      actor: { kind: "vigil" },
      subject: { kind: "access-key", id: KEY },
      change: { dedupeKey: `exception-end:exc-1:access-key:${KEY}`, playbook: "deactivate-access-key" },
    });

    const again = await sweepExceptions(dispatching(w, dispatch));
    expect(again.dispatched).toEqual([]);
    expect(dispatch.calls).toHaveLength(1);
  });

  it("queues the re-application of an ended lift once, marking the lift with the dedupe key", async () => {
    const w = world();
    const credential = { kind: "role-session" as const, id: ROLE };
    await runPlaybook(
      {
        playbook: planPlaybook("quarantine-role", { credential, principalArn: ROLE, at: T0 }),
        principalArn: ROLE,
        credential,
        reason: "credential-exfiltration",
      },
      w.executor,
    );
    const lifted = await liftQuarantine(
      { principalArn: ROLE, hours: 2, reason: "restore orders", by: "alice" },
      w.liftDeps,
    );
    w.clock.set(lifted.expiresAt);
    const failing: PlaybookDispatch = {
      dispatch: async () => {
        throw new Error("queue unavailable");
      },
    };
    await expect(sweepExceptions(dispatching(w, failing))).rejects.toThrow("queue unavailable");
    expect((await w.exceptions.get(lifted.id))?.lift?.reapplied).toBeUndefined();

    const dispatch = new MemoryPlaybookDispatch();
    const report = await sweepExceptions(dispatching(w, dispatch));
    expect(dispatch.calls).toEqual([
      {
        dedupeKey: `lift-end:${lifted.id}`,
        request: expect.objectContaining({
          playbook: expect.objectContaining({
            id: "quarantine-role",
            steps: [expect.objectContaining({ step: "quarantine-role", target: ROLE })],
          }),
          principalArn: ROLE,
          credential,
        }),
      },
    ]);
    expect(report.reapplied).toEqual([]);
    expect(w.iam.inline.get("role/app")?.has("vigil-quarantine")).toBe(false);
    expect((await w.exceptions.get(lifted.id))?.lift?.reapplied).toEqual({
      at: lifted.expiresAt,
      runId: `lift-end:${lifted.id}`,
    });
    expect(w.ledger.actions().at(-1)).toBe("playbook-dispatched");

    await sweepExceptions(dispatching(w, dispatch));
    expect(dispatch.calls).toHaveLength(1);
    expect(w.ledger.actions().filter((a) => a === "playbook-dispatched")).toHaveLength(1);
  });
});
