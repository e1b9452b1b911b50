import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import { ATTACK_TECHNIQUES, type AttackTechniqueId } from "../../shared/domain/detections/attack.ts";
import { DETECTIONS } from "../../shared/domain/detections/registry.ts";
import { SEVERITIES, type Severity, SIGNAL_IDS, severityRank } from "../../shared/domain/vocabulary.ts";
import type { RawRecord } from "../support/records.ts";
import { replayScenario } from "./replay-scenario.ts";
import {
  ACCOUNT,
  ATTACKER_IP,
  INSTANCE_IP,
  LEAKED_KEY,
  OUTSIDE,
  STRATUS_AWS_TECHNIQUES,
  STRATUS_SCENARIOS,
} from "./stratus-scenarios.ts";

const COVERAGE = new URL("../../docs/coverage.md", import.meta.url);

/** One row of the technique table in docs/coverage.md. */
interface Row {
  readonly technique: string;
  readonly signals: readonly string[];
  readonly severity: string;
  readonly attack: readonly string[];
}

function tableRows(): Row[] {
  const text = readFileSync(COVERAGE, "utf8");
  const section = text.slice(text.indexOf("## Stratus Red Team AWS techniques"));
  const table = section.slice(0, section.indexOf("\n## ", 5));
  return table
    .split("\n")
    .filter((line) => line.startsWith("| `aws."))
    .map((line) => {
      const cells = line.split("|").map((c) => c.trim());
      const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      return {
        technique: ticks(cells[1]!)[0]!,
        signals: ticks(cells[3]!),
        severity: cells[4]!,
        attack: cells[5]!.split(",").map((t) => t.trim()),
      };
    });
}

function topSeverity(exposures: readonly { severity: Severity }[]): Severity | "none" {
  let top: Severity | "none" = "none";
  for (const e of exposures)
    if (top === "none" || severityRank(e.severity) > severityRank(top)) top = e.severity;
  return top;
}

const rows = tableRows();

describe("docs/coverage.md", () => {
  it("has one row per Stratus Red Team AWS technique, in catalogue order", () => {
    expect(rows.map((r) => r.technique)).toEqual([...STRATUS_AWS_TECHNIQUES]);
  });

  it("names only known signals, each with at least one ATT&CK technique", () => {
    for (const row of rows) {
      for (const signal of row.signals) {
        expect(SIGNAL_IDS, `${row.technique}: ${signal}`).toContain(signal);
        const detection = DETECTIONS.find((d) => d.id === signal);
        expect(detection?.attack.length, `${signal} has no ATT&CK technique`).toBeGreaterThan(0);
      }
    }
  });

  it("gives each row ATT&CK techniques its signals are evidence of", () => {
    for (const row of rows) {
      const evidenced = new Set(
        row.signals.flatMap((s) => DETECTIONS.find((d) => d.id === s)?.attack ?? ([] as AttackTechniqueId[])),
      );
      expect(row.attack.length, row.technique).toBeGreaterThan(0);
      for (const id of row.attack) {
        expect(
          ATTACK_TECHNIQUES[id as AttackTechniqueId],
          `${row.technique}: ${id} is not a known technique`,
        ).toBeDefined();
        expect(
          evidenced.has(id as AttackTechniqueId),
          `${row.technique}: no signal of the row names ${id}`,
        ).toBe(true);
      }
    }
  });

  it("flags at least 38 techniques medium or higher, and says how many", () => {
    const flagged = rows.filter((r) => (SEVERITIES as readonly string[]).indexOf(r.severity) >= 1).length;
    expect(flagged).toBeGreaterThanOrEqual(38);
    expect(readFileSync(COVERAGE, "utf8")).toContain(
      `${flagged} of ${rows.length} techniques are flagged medium or higher`,
    );
  });
});

describe("Stratus Red Team AWS techniques, replayed with the default configuration", () => {
  for (const row of rows) {
    it(row.technique, async () => {
      const scenario = STRATUS_SCENARIOS[row.technique as keyof typeof STRATUS_SCENARIOS];
      expect(scenario, `no scenario for ${row.technique} in stratus-scenarios.ts`).toBeDefined();
      const result = await replayScenario(scenario());
      expect(result.summary.rejected).toBe(0);
      const fired = new Set(result.exposures.flatMap((e) => e.signals));
      expect([...fired].sort()).toEqual([...row.signals].sort());
      expect(topSeverity(result.exposures)).toBe(row.severity);
    });
  }
});

/** A call by the leaked key (or with `identity` overrides), `at` seconds after 14:00 UTC on 2026-03-12. */
function keyCall(eventSource: string, eventName: string, at: number, extra: RawRecord = {}): RawRecord {
  const [scenario] = STRATUS_SCENARIOS["aws.defense-evasion.cloudtrail-stop"]();
  return {
    ...scenario,
    eventSource,
    eventName,
    requestParameters: null,
    eventID: `calibration-${eventName}-${at}`,
    eventTime: new Date(Date.parse("2026-03-12T14:00:00Z") + at * 1000).toISOString(),
    ...extra,
  };
}

const session = (role: string, ip: string) => ({
  sourceIPAddress: ip,
  userIdentity: {
    type: "AssumedRole",
    principalId: `AROAEXAMPLE${role.toUpperCase().replace(/-/g, "")}:job`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/job`,
    accountId: ACCOUNT,
    accessKeyId: "ASIAEXAMPLESESSION09",
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
      attributes: { creationDate: "2026-03-12T13:00:00Z", mfaAuthenticated: "false" },
    },
  },
});

/** A nightly job declared to run from 203.0.113.0/24 between 01:00 and 03:00 UTC on weekdays. */
const nightlyJob = (privilege: "iam-write" | "secrets-read"): ConfigInput => ({
  profiles: [
    {
      id: "nightly-job",
      match: { roles: [`arn:aws:iam::${ACCOUNT}:role/nightly-job`] },
      sources: ["203.0.113.0/24"],
      windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "01:00", to: "03:00", tz: "UTC" }],
      privilege,
    },
  ],
});

describe("scoring calibration (docs/coverage.md)", () => {
  it("a credential outside both its sources and its windows, from the internet, that can write IAM or read secrets: high", async () => {
    for (const privilege of ["iam-write", "secrets-read"] as const) {
      const use = keyCall("s3.amazonaws.com", "ListObjectsV2", 0, {
        ...session("nightly-job", ATTACKER_IP),
        requestParameters: { bucketName: "reports" },
      });
      const result = await replayScenario([use], nightlyJob(privilege));
      expect(result.exposures[0]?.signals.toSorted(), privilege).toEqual([
        "outside-window",
        "unexpected-source",
      ]);
      expect(result.exposures[0]?.severity, privilege).toBe("high");
      expect(result.exposures[0]?.decision, privilege).toBe("needs-approval");
    }
  });

  it("sharing, logging off and a new way back in are high for a leaked key and for a role session inside AWS", async () => {
    const calls = [
      STRATUS_SCENARIOS["aws.exfiltration.ec2-share-ebs-snapshot"]()[0]!,
      STRATUS_SCENARIOS["aws.defense-evasion.cloudtrail-stop"]()[0]!,
      STRATUS_SCENARIOS["aws.persistence.iam-backdoor-user"]()[0]!,
    ];
    for (const call of calls) {
      expect((await replayScenario([call])).exposures[0]?.severity, String(call.eventName)).toBe("high");
      const inside = { ...call, ...session("batch-runner", INSTANCE_IP) };
      expect((await replayScenario([inside])).exposures[0]?.severity, `${call.eventName} inside AWS`).toBe(
        "high",
      );
    }
  });

  it("the same by a credential already off its declared sources or windows: critical", async () => {
    const share = {
      ...STRATUS_SCENARIOS["aws.exfiltration.ec2-share-ebs-snapshot"]()[0]!,
      ...session("nightly-job", ATTACKER_IP),
    };
    const result = await replayScenario([share], nightlyJob("iam-write"));
    expect(result.exposures[0]?.signals).toContain("unexpected-source");
    expect(result.exposures[0]?.severity).toBe("critical");
  });

  it("a burst of denied calls and nothing else is medium; with an undeclared network it is high", async () => {
    const denied = { errorCode: "AccessDenied", requestParameters: null };
    const burst = [
      keyCall("ses.amazonaws.com", "SendEmail", 0, denied),
      keyCall("sns.amazonaws.com", "Publish", 5, denied),
      keyCall("ec2.amazonaws.com", "DescribeInstances", 10, { errorCode: "Client.UnauthorizedOperation" }),
      keyCall("secretsmanager.amazonaws.com", "ListSecrets", 15, denied),
      keyCall("lambda.amazonaws.com", "ListFunctions20150331", 20, denied),
      keyCall("dynamodb.amazonaws.com", "ListTables", 25, denied),
    ];
    const alone = await replayScenario(burst);
    expect(alone.exposures.map((e) => [e.signals, e.severity, e.decision])).toEqual([
      [["recon-burst"], "medium", "notify"],
    ]);
    const declared = {
      profiles: [{ id: "reporting", match: { accessKeys: [LEAKED_KEY] }, sources: ["203.0.113.0/24"] }],
    };
    const combined = await replayScenario(burst, declared);
    expect(combined.exposures[0]?.signals.toSorted()).toEqual(["recon-burst", "unexpected-source"]);
    expect(combined.exposures[0]?.severity).toBe("high");
  });

  it("shares with an account of the estate stay quiet; the estate's accounts come from the config", async () => {
    const [share] = STRATUS_SCENARIOS["aws.exfiltration.ec2-share-ebs-snapshot"]();
    expect((await replayScenario([share!], { accounts: ["4444555566*"] })).exposures).toEqual([]);
    expect((await replayScenario([share!], { accounts: ["999988887777"] })).exposures[0]?.signals).toEqual([
      "external-sharing",
    ]);
    expect(OUTSIDE).toBe("444455556666");
  });
});
