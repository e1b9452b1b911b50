import { describe, expect, it } from "vitest";
import type { CredentialRef } from "../../../shared/domain/event.ts";
import { planPlaybook } from "../../../shared/domain/playbooks/catalog.ts";
import {
  ConcurrentModificationError,
  LimitExceededError,
  StepParamsError,
  ThrottlingError,
} from "../../../shared/domain/playbooks/errors.ts";
import {
  type ExecutorDeps,
  KillSwitchError,
  type PlaybookRequest,
  runPlaybook,
  undoRun,
} from "../../../shared/domain/playbooks/executor.ts";
import type { GuardSettings } from "../../../shared/domain/playbooks/guards.ts";
import { configOf } from "../../support/context.ts";
import { FakeIam, FakeNotifier, FakeSecrets, MemoryPlaybookRunStore } from "../../support/playbooks.ts";

const ACCOUNT = "111122223333";
const AT = Date.parse("2026-03-10T12:00:00Z");
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

function world(guards: Partial<GuardSettings> = {}) {
  const iam = new FakeIam().addUser("svc", {
    AKIAEXAMPLE000000001: "Active",
    AKIAEXAMPLE000000002: "Active",
  });
  iam.addUser("batch", { AKIAEXAMPLE000000003: "Active" }).addRole("app");
  const secrets = new FakeSecrets().add("prod/orders-db");
  const notifier = new FakeNotifier();
  const store = new MemoryPlaybookRunStore();
  const sleeps: number[] = [];
  let ids = 0;
  const deps: ExecutorDeps = {
    iam,
    secrets,
    notifier,
    store,
    clock: { now: () => AT },
    newId: () => `run-${++ids}`,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    guards: { config: configOf(), ...guards },
  };
  return { iam, secrets, notifier, store, sleeps, deps };
}

function request(playbook: string, credential: CredentialRef, principalArn: string): PlaybookRequest {
  return {
    playbook: planPlaybook(playbook, { credential, principalArn, at: AT }),
    principalArn,
    credential,
    reason: "critical: unexpected-source 203.0.113.9",
  };
}

const key = (id = "AKIAEXAMPLE000000001", user = "svc") =>
  request("deactivate-access-key", { kind: "access-key", id }, userArn(user));
const roleSession = (playbook = "revoke-sessions", name = "app") =>
  request(playbook, { kind: "role-session", id: roleArn(name) }, roleArn(name));

describe("runPlaybook", () => {
  it("deactivates the key, notifies, and persists every step with its before and after state", async () => {
    const { iam, notifier, store, deps } = world();
    const run = await runPlaybook(key(), deps);
    expect(run.status).toBe("completed");
    expect(iam.keys.get("svc")?.get("AKIAEXAMPLE000000001")).toBe("Inactive");
    expect(run.steps.map((s) => [s.step, s.status])).toEqual([
      ["deactivate-access-key", "applied"],
      ["notify", "applied"],
    ]);
    expect(run.steps[0]?.result).toMatchObject({
      before: { status: "Active" },
      after: { status: "Inactive" },
    });
    expect(notifier.sent[0]?.message).toMatch(/deactivate-access-key AKIAEXAMPLE000000001: applied/);
    expect(await store.getRun(run.id)).toEqual(run);
  });

  it("does nothing to a key that is already inactive", async () => {
    const { iam, deps } = world();
    iam.keys.get("svc")?.set("AKIAEXAMPLE000000001", "Inactive");
    const run = await runPlaybook(key(), deps);
    expect(run.steps[0]?.status).toBe("already-done");
    expect(iam.count("UpdateAccessKey")).toBe(0);
  });

  it("rejects bad params before any run exists or anything acts", async () => {
    const { iam, store, deps } = world();
    const bad = key();
    const broken = {
      ...bad,
      playbook: {
        ...bad.playbook,
        steps: [{ ...bad.playbook.steps[0]!, params: { accessKeyId: "nope", userArn: "x" } }],
      },
    };
    await expect(runPlaybook(broken, deps)).rejects.toThrow(StepParamsError);
    expect(store.runs.size).toBe(0);
    expect(iam.calls).toEqual([]);
  });

  it("finishes a run interrupted between steps without repeating the finished one", async () => {
    const { iam, notifier, store, deps } = world();
    const controller = new AbortController();
    const save = store.saveStep.bind(store);
    store.saveStep = async (runId, step, at) => {
      await save(runId, step, at);
      if (step.index === 0 && step.status === "applied") controller.abort(new Error("process killed"));
    };
    await expect(runPlaybook(key(), { ...deps, signal: controller.signal })).rejects.toThrow(
      "process killed",
    );
    const interrupted = [...store.runs.values()][0]!;
    expect(interrupted.status).toBe("running");
    expect(interrupted.steps.map((s) => s.status)).toEqual(["applied", "pending"]);
    store.saveStep = save;
    const run = await runPlaybook(key(), deps);
    expect(run.id).toBe(interrupted.id);
    expect(run.status).toBe("completed");
    expect(iam.count("UpdateAccessKey")).toBe(1);
    expect(notifier.sent).toHaveLength(1);
  });

  it("finishes a run that died while a step was running by re-reading state, not acting again", async () => {
    const { iam, store, deps } = world();
    const save = store.saveStep.bind(store);
    store.saveStep = async (runId, step, at) => {
      if (step.index === 0 && step.status === "applied") throw new Error("disk full");
      await save(runId, step, at);
    };
    await expect(runPlaybook(key(), deps)).rejects.toThrow("disk full");
    store.saveStep = save;
    const run = await runPlaybook(key(), deps);
    expect(run.steps[0]?.status).toBe("already-done");
    expect(iam.count("UpdateAccessKey")).toBe(1);
  });

  it("retries a throttling burst with jittered, growing, bounded backoff", async () => {
    const { iam, sleeps, deps } = world();
    const throttle = () => new ThrottlingError("UpdateAccessKey", "Throttling", "Rate exceeded");
    iam.failNext("UpdateAccessKey", throttle, 3);
    const run = await runPlaybook(key(), deps);
    expect(run.steps[0]).toMatchObject({ status: "applied", attempts: 4 });
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it("fails the step (not the run's other steps) when throttling outlasts the attempts", async () => {
    const { iam, notifier, sleeps, deps } = world();
    iam.failNext(
      "UpdateAccessKey",
      () => new ThrottlingError("UpdateAccessKey", "Throttling", "Rate exceeded"),
      9,
    );
    const run = await runPlaybook(key(), { ...deps, maxAttempts: 8 });
    expect(run.status).toBe("failed");
    expect(run.steps[0]?.reason).toMatch(/still failing after 8 attempts/);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(5_000);
    expect(notifier.sent).toHaveLength(1);
  });

  it("retries a concurrent modification", async () => {
    const { iam, deps } = world();
    iam.failNext(
      "PutPolicy",
      () => new ConcurrentModificationError("PutRolePolicy", "ConcurrentModification", "busy"),
    );
    const run = await runPlaybook(roleSession(), deps);
    expect(run.steps[0]).toMatchObject({ status: "applied", attempts: 2 });
  });

  it("records an entity that vanished mid-run as not-found and finishes the run", async () => {
    const { iam, notifier, deps } = world();
    iam.keys.get("svc")?.delete("AKIAEXAMPLE000000001");
    const run = await runPlaybook(
      request("quarantine-user", { kind: "access-key", id: "AKIAEXAMPLE000000001" }, userArn("svc")),
      deps,
    );
    expect(run.steps.map((s) => s.status)).toEqual(["not-found", "applied", "applied"]);
    expect(run.steps[0]?.reason).toMatch(/^already gone: /);
    expect(run.status).toBe("completed");
    expect(notifier.sent).toHaveLength(1);
  });

  it("falls back to a managed deny policy when the role's inline policies are full", async () => {
    const { iam, deps } = world();
    iam.failNext("PutPolicy", () => new LimitExceededError("PutRolePolicy", "LimitExceeded", "policy size"));
    const run = await runPlaybook(roleSession(), deps);
    const arn = `arn:aws:iam::${ACCOUNT}:policy/vigil/vigil-revoke-sessions-run-1-0`;
    expect(iam.attached.get("role/app")?.map((a) => a.arn)).toEqual([arn]);
    expect(iam.policies.get(arn)).toMatch(/aws:TokenIssueTime/);
    expect(run.steps[0]?.result?.notes[0]).toMatch(/LimitExceeded/);
    await undoRun(run.id, deps);
    expect(iam.attached.get("role/app")).toEqual([]);
    expect(iam.policies.has(arn)).toBe(false);
  });

  it("blocks a service-linked role (UnmodifiableEntity) without retrying", async () => {
    const { iam, deps } = world();
    iam.addRole("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/");
    const arn = "arn:aws:iam::111122223333:role/AWSServiceRoleForSupport";
    const run = await runPlaybook(request("quarantine-role", { kind: "role-session", id: arn }, arn), deps);
    expect(run.steps[0]).toMatchObject({ status: "blocked", attempts: 1 });
    expect(run.steps[0]?.reason).toMatch(/service-linked role/);
    expect(iam.calls).toEqual([]);
  });

  it("never acts on a protected principal or on vigil's own roles", async () => {
    const { iam, deps } = world({ config: configOf({ protected: ["arn:aws:iam::*:role/break-glass-*"] }) });
    iam.addRole("break-glass-admin").addRole("vigil-responder");
    const glass = await runPlaybook(roleSession("quarantine-role", "break-glass-admin"), deps);
    const own = await runPlaybook(roleSession("quarantine-role", "vigil-responder"), deps);
    expect(glass.steps[0]?.reason).toMatch(/matches protected pattern arn:aws:iam::\*:role\/break-glass-\*/);
    expect(own.steps[0]?.reason).toMatch(/one of vigil's own roles/);
    expect([glass.status, own.status]).toEqual(["blocked", "blocked"]);
    expect(iam.calls).toEqual([]);
  });

  it("blocks destructive steps beyond the cap per account and window, records why and notifies", async () => {
    const { iam, notifier, deps } = world({ maxActions: 2, windowMs: 3_600_000 });
    await runPlaybook(key("AKIAEXAMPLE000000001"), deps);
    await runPlaybook(key("AKIAEXAMPLE000000002"), deps);
    const third = await runPlaybook(key("AKIAEXAMPLE000000003", "batch"), deps);
    expect(third.status).toBe("blocked");
    expect(third.steps[0]).toMatchObject({ status: "blocked" });
    expect(third.steps[0]?.reason).toMatch(
      /cap of 2 destructive actions per 60 minutes in account 111122223333/,
    );
    expect(iam.keys.get("batch")?.get("AKIAEXAMPLE000000003")).toBe("Active");
    expect(notifier.sent.map((n) => n.subject)).toContain("vigil: action cap reached in 111122223333");
    expect(third.steps[1]?.status).toBe("applied");
  });

  it("stops every action while the kill switch is on, and says so in each step", async () => {
    const { iam, notifier, store, deps } = world();
    await store.setKillSwitch({ reason: "incident 42: responder misbehaving", since: AT - 60_000 });
    const run = await runPlaybook(key(), deps);
    expect(run.status).toBe("blocked");
    for (const step of run.steps) expect(step.reason).toMatch(/kill switch is on since .*incident 42/);
    expect(iam.calls).toEqual([]);
    expect(notifier.sent).toEqual([]);
  });

  it("lets exactly one of two concurrent runs on the same principal act", async () => {
    const { iam, deps } = world();
    const runs = await Promise.all([
      runPlaybook(roleSession("revoke-sessions"), deps),
      runPlaybook(roleSession("quarantine-role"), deps),
    ]);
    const statuses = runs.map((r) => r.status).sort();
    expect(statuses).toEqual(["blocked", "completed"]);
    const loser = runs.find((r) => r.status === "blocked")!;
    expect(loser.steps[0]?.reason).toMatch(/is acting on arn:aws:iam::111122223333:role\/app/);
    expect(iam.calls.filter(([op]) => op === "PutPolicy")).toHaveLength(1);
  });
});

describe("undoRun", () => {
  it("reverses reversible steps in reverse order and restores the original state", async () => {
    const { iam, deps } = world();
    iam.tags.set("user/svc", { team: "orders" });
    const run = await runPlaybook(
      request("quarantine-user", { kind: "access-key", id: "AKIAEXAMPLE000000001" }, userArn("svc")),
      deps,
    );
    const changes = iam.calls.length;
    const undone = await undoRun(run.id, deps);
    expect(undone.status).toBe("undone");
    expect(undone.steps.map((s) => s.undo?.status)).toEqual(["undone", "undone", "irreversible"]);
    const reverted = iam.calls.slice(changes).map(([op]) => op);
    expect(reverted).toEqual(["DeletePolicy", "Untag", "UpdateAccessKey"]);
    expect(iam.keys.get("svc")?.get("AKIAEXAMPLE000000001")).toBe("Active");
    expect(iam.inline.get("user/svc")?.size).toBe(0);
    expect(iam.tags.get("user/svc")).toEqual({ team: "orders" });
    await undoRun(run.id, deps);
    expect(iam.calls.length).toBe(changes + 3);
  });

  it("says which steps cannot be undone and why", async () => {
    const { deps } = world();
    const run = await runPlaybook(
      request("rotate-secret", { kind: "secret", id: "prod/orders-db" }, roleArn("app")),
      deps,
    );
    expect(run.steps[0]?.result?.notes[0]).toMatch(/AWSPREVIOUS/);
    const undone = await undoRun(run.id, deps);
    expect(undone.steps[0]?.undo).toMatchObject({
      status: "irreversible",
      reason: expect.stringMatching(/cannot be rolled back/),
    });
  });

  it("leaves a key that was inactive before the run inactive", async () => {
    const { iam, deps } = world();
    iam.keys.get("svc")?.set("AKIAEXAMPLE000000001", "Inactive");
    const run = await runPlaybook(key(), deps);
    await undoRun(run.id, deps);
    expect(iam.keys.get("svc")?.get("AKIAEXAMPLE000000001")).toBe("Inactive");
    expect(iam.count("UpdateAccessKey")).toBe(0);
  });

  it("is refused while the kill switch is on, and for an unknown run", async () => {
    const { store, deps } = world();
    const run = await runPlaybook(key(), deps);
    await store.setKillSwitch({ reason: "stop", since: AT });
    await expect(undoRun(run.id, deps)).rejects.toThrow(KillSwitchError);
    await expect(undoRun("nope", deps)).rejects.toThrow(/no playbook run "nope" in the store/);
  });
});
