import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyDecided, decidedToAct } from "../../shared/cli/apply.ts";
import type { CliIo } from "../../shared/cli/command.ts";
import { undoCommand } from "../../shared/cli/commands/undo.ts";
import { UsageError } from "../../shared/cli/usage.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { configOf } from "../support/context.ts";

const io: CliIo = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: (async function* () {})(),
  env: {},
  cwd: mkdtempSync(join(tmpdir(), "vigil-undo-")),
  clock: { now: () => 0 },
};

const exposure = (decision: Exposure["decision"], id: string, withPlaybook = true) =>
  ({
    credential: { kind: "access-key", id },
    decision,
    playbook: withPlaybook ? { id: "deactivate-access-key", steps: [], notes: [] } : null,
  }) as unknown as Exposure;

describe("vigil undo", () => {
  it("refuses to act on real AWS without --yes, before touching the store", async () => {
    await expect(undoCommand.run(["run-1"], {}, io)).rejects.toThrow(UsageError);
    await expect(undoCommand.run(["run-1"], {}, io)).rejects.toThrow(
      /add --yes to confirm, or --endpoint URL/,
    );
  });

  it("needs exactly one run id", async () => {
    await expect(undoCommand.run([], { yes: true }, io)).rejects.toThrow(/exactly one run id/);
    await expect(undoCommand.run(["a", "b"], { yes: true }, io)).rejects.toThrow(/exactly one run id/);
  });

  it("says when the store has no such run", async () => {
    const store = join(io.cwd, "empty.db");
    await expect(
      undoCommand.run(["0b7c9e52"], { endpoint: "http://127.0.0.1:9", store }, io),
    ).rejects.toThrow(/no playbook run "0b7c9e52" in the store/);
  });
});

describe("replay --apply", () => {
  it("acts at once on auto decisions only: needs-approval ones wait for an approval", () => {
    const chosen = decidedToAct([
      exposure("auto", "AKIA1"),
      exposure("needs-approval", "AKIA2"),
      exposure("notify", "AKIA4"),
      exposure("blocked-by-guard", "AKIA5"),
      exposure("auto", "AKIA6", false),
    ]);
    expect(chosen.map((e) => e.credential.id)).toEqual(["AKIA1"]);
  });

  it("refuses real AWS without --yes", async () => {
    const options = { yes: false, storePath: join(io.cwd, "a.db") };
    await expect(applyDecided([], options, configOf(), io)).rejects.toThrow(
      /--apply acts on the AWS account/,
    );
  });
});
