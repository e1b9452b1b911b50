/**
 * One side of a cross-process race (test/adapters/sqlite-approvals.test.ts): opens the store file,
 * says "ready", waits for the go file, then approves request `id` as `voter` at `at` through
 * decideApproval with a fake IAM account, and prints the outcome as one JSON line.
 * Usage: node --import tsx approval-race-worker.ts STORE ID VOTER AT GO_FILE
 */
import { existsSync } from "node:fs";
import { SqliteApprovalStore } from "../../shared/adapters/sqlite-approvals.ts";
import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { decideApproval } from "../../shared/domain/approvals/vote.ts";
import { configOf } from "./context.ts";
import { FakeIam, FakeNotifier, FakeSecrets, MemoryPlaybookRunStore } from "./playbooks.ts";

const [store, id, voter, atText, go] = process.argv.slice(2) as [string, string, string, string, string];
const at = Number(atText);
const approvals = new SqliteApprovalStore(store);
const ledger = new SqliteLedger(store);
const config = configOf();
const clock = { now: () => at };
const notifier = new FakeNotifier();
process.stdout.write("ready\n");
while (!existsSync(go)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
try {
  const result = await decideApproval(
    id,
    { verdict: "approve", by: voter, reason: `${voter} checked it` },
    {
      approvals,
      ledger,
      clock,
      newId: () => `${voter}-renewal`,
      policy: config.approvals,
      notifier,
      executor: {
        iam: new FakeIam().addUser("svc-ci", { AKIAEXAMPLE000000001: "Active" }),
        secrets: new FakeSecrets(),
        notifier,
        store: new MemoryPlaybookRunStore(),
        clock,
        newId: () => `${voter}-run`,
        sleep: async () => {},
        random: () => 0.5,
        guards: { config },
      },
    },
  );
  process.stdout.write(`${JSON.stringify({ outcome: result.outcome, run: result.run?.status })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ error: (error as Error).name, message: (error as Error).message })}\n`,
  );
} finally {
  approvals.close();
  ledger.close();
}
