import { describe, expect, it } from "vitest";
import type { Mode } from "../../functions/common/function-config.ts";
import {
  type AccountGateways,
  createExecuteHandler,
  type ExecuteResult,
} from "../../functions/execute/execute-handler.ts";
import { verifyChain } from "../../shared/domain/ledger/chain.ts";
import { planPlaybook } from "../../shared/domain/playbooks/catalog.ts";
import type { PlaybookRequest } from "../../shared/domain/playbooks/executor.ts";
import { configOf } from "../support/context.ts";
import { ids, MemoryLedger, TestClock } from "../support/oncall.ts";
import { FakeIam, FakeNotifier, FakeSecrets, MemoryPlaybookRunStore } from "../support/playbooks.ts";
import { sqsRecord } from "../support/sqs-records.ts";
import { capturingLog, type LogLine } from "./support.ts";

const ACTIONS_QUEUE_URL = "https://sqs.eu-central-1.amazonaws.com/111122223333/vigil-actions.fifo";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOME = "111122223333";
const MEMBER = "444455556666";
const KEY = "AKIAEXAMPLE000000001";

/** svc-ci's key in `account`, to be deactivated. */
function requestIn(account: string): PlaybookRequest {
  const principalArn = `arn:aws:iam::${account}:user/svc-ci`;
  const credential = { kind: "access-key" as const, id: KEY };
  return {
    playbook: planPlaybook("deactivate-access-key", { credential, principalArn, at: T0 }),
    principalArn,
    credential,
    reason: "critical: logging-tampering from an unexpected source",
  };
}

function world(mode: Mode = "enforce") {
  const accounts = new Map<string, AccountGateways>([
    [HOME, { iam: new FakeIam().addUser("svc-ci", { [KEY]: "Active" }), secrets: new FakeSecrets() }],
    [MEMBER, { iam: new FakeIam().addUser("svc-ci", { [KEY]: "Active" }), secrets: new FakeSecrets() }],
  ]);
  const asked: string[] = [];
  const ledger = new MemoryLedger();
  const lines: LogLine[] = [];
  const handler = createExecuteHandler({
    mode,
    log: capturingLog(lines),
    ledger,
    gatewaysFor: (principalArn) => {
      asked.push(principalArn);
      const gateways = accounts.get(principalArn.split(":")[4] ?? "");
      if (gateways === undefined) throw new Error(`no gateways for ${principalArn}`);
      return gateways;
    },
    executor: {
      notifier: new FakeNotifier(),
      store: new MemoryPlaybookRunStore(),
      clock: new TestClock(T0),
      newId: ids("run"),
      sleep: async () => {},
      random: () => 0.5,
      guards: { config: configOf() },
    },
  });
  const keyIn = (account: string) => (accounts.get(account)!.iam as FakeIam).keys.get("svc-ci")?.get(KEY);
  return { handler, asked, ledger, lines, keyIn };
}

describe("createExecuteHandler", () => {
  it("acts with the gateways of the principal's account: a member account's key is deactivated there only", async () => {
    const w = world();
    const result = (await w.handler(requestIn(MEMBER))) as ExecuteResult;
    expect(result.status).toBe("completed");
    expect(w.asked).toEqual([`arn:aws:iam::${MEMBER}:user/svc-ci`]);
    expect(w.keyIn(MEMBER)).toBe("Inactive");
    expect(w.keyIn(HOME)).toBe("Active");
  });

  it("records every step of the run in the ledger, on a chain that verifies", async () => {
    const w = world();
    const result = (await w.handler(requestIn(HOME))) as ExecuteResult;
    expect(w.ledger.actions()).toEqual(result.steps.map(() => "playbook-step"));
    expect(w.ledger.records.map((r) => [r.change.runId, r.change.step, r.change.status])).toEqual([
      [result.runId, "deactivate-access-key", "applied"],
      [result.runId, "notify", "applied"],
    ]);
    expect(w.ledger.records[0]?.subject).toEqual({ kind: "access-key", id: KEY });
    expect(await verifyChain(() => w.ledger.stored())).toMatchObject({ intact: true, count: 2 });
  });

  it("fails a queued message whose principal's account has no gateways, and acts on nothing", async () => {
    const w = world();
    const body = JSON.stringify({ request: requestIn("999999999999"), dedupeKey: "handoff:x" });
    const result = await w.handler({ Records: [sqsRecord("m-1", body, ACTIONS_QUEUE_URL)] });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    expect(w.ledger.records).toEqual([]);
    expect(w.lines.map((l) => l.message)).toContain("running a queued playbook failed");
  });

  it("in observe mode refuses without asking for any account's gateways or recording a step", async () => {
    const w = world("observe");
    const result = (await w.handler(requestIn(MEMBER))) as ExecuteResult;
    expect(result.status).toBe("refused");
    expect(w.asked).toEqual([]);
    expect(w.ledger.records).toEqual([]);
    expect(w.keyIn(MEMBER)).toBe("Active");
  });
});
