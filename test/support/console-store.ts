import { SqliteLedger } from "../../shared/adapters/sqlite-ledger.ts";
import { SqlitePlaybookRunStore } from "../../shared/adapters/sqlite-playbook-runs.ts";
import { SqliteRunStore } from "../../shared/adapters/sqlite-store.ts";
import type { Exposure } from "../../shared/domain/finding.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import type { RunRecord } from "../../shared/ports/playbook-run-store.ts";

/** The instant the seeded store was written at; tests freeze their clock here. */
export const SEEDED_AT = Date.parse("2026-03-10T12:00:00.000Z");

/** A session name and a user agent an attacker chose: they must reach every page as text. */
export const HOSTILE_SESSION = `<script>window.__pwned=1</script>`;
export const HOSTILE_AGENT = `<img src=x onerror="window.__pwned=2">aws-cli/2.15`;

/** A role-session exposure whose principal and reasons carry the hostile strings. */
export function hostileExposure(): Exposure {
  return {
    credential: { kind: "role-session", id: "arn:aws:iam::111122223333:role/etl" },
    principal: `arn:aws:sts::111122223333:assumed-role/etl/${HOSTILE_SESSION}`,
    score: 86,
    severity: "critical",
    signals: ["credential-exfiltration", "unexpected-source"],
    findings: 3,
    factors: [
      { name: "what-happened", points: 40, reason: "2 signals corroborate each other" },
      { name: "privilege", points: 20, reason: "can write IAM" },
      { name: "reachability", points: 15, reason: "used from the public internet" },
    ],
    reasons: [
      {
        signal: "credential-exfiltration",
        reason: `EC2 role session ${HOSTILE_SESSION} used from 198.51.100.7 with user agent ${HOSTILE_AGENT}`,
      },
      { signal: "unexpected-source", reason: "198.51.100.7 is not among the declared sources" },
    ],
    firstSeen: "2026-03-10T11:00:00.000Z",
    lastSeen: "2026-03-10T11:30:00.000Z",
    decision: "needs-approval",
    decisionReason: "critical reaches the approval band",
    playbook: {
      id: "quarantine-role",
      steps: [
        {
          step: "quarantine-role",
          target: "arn:aws:iam::111122223333:role/etl",
          params: { roleArn: "arn:aws:iam::111122223333:role/etl" },
          description: "deny every action to role etl and tag it quarantined",
        },
      ],
      notes: [],
    },
    owner: "data-team",
  };
}

/** A plain access-key exposure, ranked below the hostile one. */
export function keyExposure(): Exposure {
  return {
    credential: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
    principal: "arn:aws:iam::111122223333:user/svc-ci",
    score: 52,
    severity: "medium",
    signals: ["outside-window"],
    findings: 1,
    factors: [{ name: "what-happened", points: 30, reason: "one signal" }],
    reasons: [{ signal: "outside-window", reason: "used Sat 03:14 Europe/Berlin, outside the windows" }],
    firstSeen: "2026-03-10T02:14:00.000Z",
    lastSeen: "2026-03-10T02:14:00.000Z",
    decision: "notify",
    decisionReason: "medium reaches the notify band",
    playbook: null,
  };
}

/** A completed quarantine run of the etl role; `lifted` adds its undo. */
export function quarantineRun(id: string, at: number, lifted: boolean): RunRecord {
  return {
    id,
    key: `role-session:arn:aws:iam::111122223333:role/etl|quarantine-role|${id}`,
    playbook: "quarantine-role",
    principal: "arn:aws:iam::111122223333:role/etl",
    account: "111122223333",
    credential: "role-session:arn:aws:iam::111122223333:role/etl",
    reason: `approved: session ${HOSTILE_SESSION} exfiltrated`,
    status: lifted ? "undone" : "completed",
    createdAt: at,
    updatedAt: at,
    steps: [
      {
        index: 0,
        step: "quarantine-role",
        target: "arn:aws:iam::111122223333:role/etl",
        params: { roleArn: "arn:aws:iam::111122223333:role/etl" },
        destructive: true,
        status: "applied",
        attempts: 1,
        startedAt: at,
        finishedAt: at,
        ...(lifted
          ? { undo: { status: "undone" as const, reason: "false positive: nightly ETL", at: at + 3_600_000 } }
          : {}),
      },
    ],
  };
}

/**
 * Writes a store through the real adapters, as replay and the playbooks would: two exposures, two
 * ledger records (one carrying the hostile strings), one active and one lifted quarantine.
 */
export async function seedConsoleStore(path: string): Promise<void> {
  const store = new SqliteRunStore(path);
  const runId = store.beginRun("replay", ["trail.json"], SEEDED_AT - 60_000);
  store.finishRun(
    runId,
    { records: 10, rejected: 0, findings: 4, exposures: 2 },
    [hostileExposure(), keyExposure()],
    SEEDED_AT - 30_000,
  );
  store.close();
  const ledger = new SqliteLedger(path);
  await ledger.append([
    ledgerEntry({
      at: SEEDED_AT - 30_000,
      actor: { kind: "vigil", id: "vigil" },
      action: "finding-decided",
      subject: { kind: "role-session", id: "arn:aws:iam::111122223333:role/etl" },
      reason: `session ${HOSTILE_SESSION} used with user agent ${HOSTILE_AGENT}`,
      change: { decision: "needs-approval", userAgent: HOSTILE_AGENT },
      signals: ["credential-exfiltration"],
    }),
    ledgerEntry({
      at: SEEDED_AT - 20_000,
      actor: { kind: "human", id: "alice" },
      action: "kill-switch-cleared",
      subject: { kind: "responder", id: "vigil" },
      reason: "cleared",
      change: { before: "on", after: "off" },
    }),
  ]);
  ledger.close();
  const runs = new SqlitePlaybookRunStore(path);
  await runs.createRun(quarantineRun("run-active", SEEDED_AT - 7_200_000, false));
  await runs.createRun(quarantineRun("run-lifted", SEEDED_AT - 86_400_000, true));
  runs.close();
}
