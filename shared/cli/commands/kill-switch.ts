import { SqliteLedger } from "../../adapters/sqlite-ledger.ts";
import { SqlitePlaybookRunStore } from "../../adapters/sqlite-playbook-runs.ts";
import { ledgerEntry } from "../../domain/ledger/entry.ts";
import { type Command, stringOption } from "../command.ts";
import { STORE_OPTIONS, storePath } from "../run-context.ts";
import { UsageError } from "../usage.ts";

/**
 * `vigil kill-switch on|off|status`: stops every playbook action at once (undo included) until cleared.
 * Setting and clearing are records in the ledger, with who and why.
 */
export const killSwitchCommand: Command = {
  name: "kill-switch",
  summary: "stop every playbook action at once, or allow them again",
  help: `vigil kill-switch on --reason TEXT [--by NAME] | off [--reason TEXT] [--by NAME] | status   [--store PATH]
  While on, no step of any playbook run acts (undo included); runs record the step as blocked.
    --reason TEXT         why (required to switch on)
    --by NAME             who, for the records (default: $USER)
`,
  options: { ...STORE_OPTIONS, reason: { type: "string" }, by: { type: "string" } },
  async run(positionals, values, io) {
    const [action, ...extra] = positionals;
    if (!(action === "on" || action === "off" || action === "status") || extra.length > 0) {
      throw new UsageError(
        `kill-switch needs one of on, off or status, got ${JSON.stringify(positionals.join(" "))}; e.g. vigil kill-switch on --reason "incident 4711"`,
      );
    }
    const reason = stringOption(values, "reason");
    if (action === "on" && (reason === undefined || reason.trim() === "")) {
      throw new UsageError(
        'kill-switch on needs --reason TEXT saying why, e.g. --reason "incident 4711: responder misbehaving"',
      );
    }
    const path = storePath(values, io);
    const store = new SqlitePlaybookRunStore(path);
    try {
      const current = await store.killSwitch();
      if (action === "status") {
        io.stdout.write(
          current === undefined
            ? "kill switch: off — playbooks may act\n"
            : `kill switch: ON since ${new Date(current.since).toISOString()} — ${current.reason}\n`,
        );
        return 0;
      }
      const at = io.clock.now();
      const by = stringOption(values, "by") ?? io.env.USER ?? "cli";
      if (action === "on") await store.setKillSwitch({ reason: reason!, since: at });
      else await store.setKillSwitch(undefined);
      const ledger = new SqliteLedger(path);
      try {
        await ledger.append([
          ledgerEntry({
            at,
            actor: { kind: "human", id: by },
            action: action === "on" ? "kill-switch-set" : "kill-switch-cleared",
            subject: { kind: "responder", id: "vigil" },
            reason: reason ?? "cleared",
            change: { before: current === undefined ? "off" : "on", after: action },
          }),
        ]);
      } finally {
        ledger.close();
      }
      io.stdout.write(
        action === "on"
          ? `kill switch: ON — no playbook step will act until 'vigil kill-switch off'\n`
          : "kill switch: off — playbooks may act\n",
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
