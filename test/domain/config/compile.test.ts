import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../shared/domain/config/compile.ts";
import type { ConfigInput } from "../../../shared/domain/config/schema.ts";
import { configOf } from "../../support/context.ts";

const ROLE = "arn:aws:iam::111122223333:role/ci-deployer";

function problems(input: unknown): readonly string[] {
  try {
    configOf(input as ConfigInput);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function profile(fields: Record<string, unknown>) {
  return { profiles: [{ id: "ci-deployer", match: { roles: [ROLE] }, ...fields }] };
}

describe("compileConfig", () => {
  it("compiles the example of DESIGN.md", () => {
    const config = configOf({
      profiles: [
        {
          id: "ci-deployer",
          match: {
            roles: [ROLE],
            users: ["arn:aws:iam::111122223333:user/svc-*"],
            accessKeys: ["AKIAEXAMPLE000000001"],
          },
          sources: [
            "203.0.113.0/24",
            "2001:db8::/32",
            "vpce-0a1b2c3d",
            "vpc-0123abcd",
            "codebuild.amazonaws.com",
          ],
          windows: [
            { days: ["mon", "tue", "wed", "thu", "fri"], from: "07:00", to: "20:00", tz: "Europe/Berlin" },
          ],
          regions: ["eu-central-1"],
          criticality: "high",
          owner: "platform-team",
          playbook: "revoke-sessions",
        },
      ],
      secrets: [
        {
          id: "orders-db",
          match: ["arn:aws:secretsmanager:eu-central-1:111122223333:secret:prod/orders-db-*"],
          readers: ["arn:aws:iam::111122223333:role/orders-api"],
          sources: ["vpce-0a1b2c3d"],
          criticality: "critical",
          playbook: "rotate-secret",
        },
      ],
      policy: { auto: "critical", approval: "high", notify: "medium" },
      protected: ["arn:aws:iam::*:role/break-glass-*"],
      learning: { days: 7 },
    });
    expect(config.profiles[0]?.windows?.[0]).toMatchObject({
      fromMinute: 420,
      toMinute: 1200,
      tz: "Europe/Berlin",
    });
    expect(config.secrets[0]?.criticality).toBe("critical");
    expect(config.learningMs).toBe(7 * 86_400_000);
  });

  it("gives defaults for an empty config", () => {
    const config = configOf({});
    expect(config.profiles).toEqual([]);
    expect(config.policy).toMatchObject({ auto: "critical", approval: "high", notify: "medium" });
    expect(config.learningDays).toBe(7);
  });

  it.each([
    [
      profile({ sources: ["10.0.0.0/33"] }),
      'profile "ci-deployer": sources[0] "10.0.0.0/33" has prefix length "33"; IPv4 prefixes are 0 to 32',
    ],
    [
      profile({ sources: ["office"] }),
      'profile "ci-deployer": sources[0] "office" is not a CIDR, IP address, VPC endpoint id, VPC id or AWS service principal; write it like 203.0.113.0/24, 2001:db8::/32, vpce-0a1b2c3d, vpc-0123abcd or codebuild.amazonaws.com',
    ],
    [
      profile({ windows: [{ days: ["mon"], from: "07:00", to: "20:00", tz: "Europe/Berlinn" }] }),
      'profile "ci-deployer": windows[0].tz "Europe/Berlinn" is not an IANA time zone; write it like Europe/Berlin or UTC',
    ],
    [
      profile({ windows: [{ days: ["monday"], from: "07:00", to: "20:00", tz: "UTC" }] }),
      'profile "ci-deployer": windows[0].days[0] "monday" must be one of mon, tue, wed, thu, fri, sat, sun',
    ],
    [
      profile({ windows: [{ days: ["mon"], from: "7am", to: "20:00", tz: "UTC" }] }),
      'profile "ci-deployer": windows[0].from "7am" must be a 24-hour time such as 07:00',
    ],
    [
      profile({ regions: ["Frankfurt"] }),
      'profile "ci-deployer": regions[0] "Frankfurt" is not a region name such as eu-central-1',
    ],
    [
      profile({ criticality: "urgent" }),
      'profile "ci-deployer": criticality "urgent" must be one of low, medium, high, critical',
    ],
    [
      profile({ playbook: "nuke" }),
      'profile "ci-deployer": playbook "nuke" is unknown; valid playbooks are deactivate-access-key, revoke-sessions, quarantine-role, quarantine-user, detach-policies, rotate-secret, notify',
    ],
    [
      profile({ sourcse: ["10.0.0.0/8"] }),
      'profile "ci-deployer": has unknown field "sourcse"; check the spelling against the config format in the README',
    ],
    [
      { profiles: [{ id: "ci", match: { roles: ["ci-deployer"] } }] },
      'profile "ci": match.roles[0] "ci-deployer" is not an IAM ARN pattern; write it like arn:aws:iam::111122223333:role/ci-deployer (* allowed)',
    ],
    [
      { profiles: [{ id: "ci", match: {} }] },
      'profile "ci": match {} matches nothing; give roles, users or accessKeys',
    ],
    [
      { profiles: [{ id: "ci", match: { accessKeys: ["AKIA123"] } }] },
      'profile "ci": match.accessKeys[0] "AKIA123" is not an access key id; they look like AKIAIOSFODNN7EXAMPLE',
    ],
    [
      { profiles: [{ match: { roles: [ROLE] } }] },
      "profiles[0] (no id): id is missing; add it (the config format is in the README)",
    ],
    [
      {
        profiles: [
          { id: "a", match: { roles: [ROLE] } },
          { id: "a", match: { roles: [ROLE] } },
        ],
      },
      'profile "a" (profiles[1]): id is used twice; give each profile its own id',
    ],
    [
      { secrets: [{ id: "db", match: ["arn:aws:secretsmanager:eu-central-1:1111:secret:x"] }] },
      'secret "db": match[0] "arn:aws:secretsmanager:eu-central-1:1111:secret:x" is not a secret or parameter ARN; write arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-*, arn:aws:ssm:REGION:ACCOUNT:parameter/NAME or the name',
    ],
    [
      profile({ windows: [{ days: ["mon"], from: "07:00", to: "20:00" }] }),
      'profile "ci-deployer": windows[0].tz is missing; add it (the config format is in the README)',
    ],
    [
      { policy: { auto: "sometimes" } },
      'policy.auto "sometimes" must be one of low, medium, high, critical, never',
    ],
    [{ learning: { days: 1.5 } }, "learning.days 1.5 must be a whole number of days"],
    [
      { approvals: { approvers: [] } },
      'approvals.approvers [] lists nobody; name at least one approver, or "*" for anyone who gives a name',
    ],
    [
      { approvals: { approvers: ["on call"] } },
      'approvals.approvers[0] "on call" must be a name or a pattern such as alice or oncall-* (no spaces)',
    ],
    [{ approvals: { ttlMinutes: 0 } }, "approvals.ttlMinutes 0 must be at least 1"],
    [{ approvals: { ttlMinutes: 7.5 } }, "approvals.ttlMinutes 7.5 must be a whole number of minutes"],
    [{ approvals: { onExpiry: "ignore" } }, 'approvals.onExpiry "ignore" must be renotify or escalate'],
    [
      { approvals: { onExpiry: "escalate" } },
      'approvals.onExpiry is "escalate" but approvals.escalateTo is missing; name the team or person expired requests go to',
    ],
    [
      { approvals: { twoPersonFor: ["nuke"] } },
      'approvals.twoPersonFor[0] "nuke" is unknown; valid playbooks are deactivate-access-key, revoke-sessions, quarantine-role, quarantine-user, detach-policies, rotate-secret, notify',
    ],
    [
      { approvals: { approver: ["alice"] } },
      'approvals has unknown field "approver"; check the spelling against the config format in the README',
    ],
    [{ exceptions: { maxHours: 0 } }, "exceptions.maxHours 0 must be more than 0"],
    [{ exceptions: { maxHours: 200 } }, "exceptions.maxHours 200 must be at most 168 (a week)"],
    [
      { profile: [] },
      'has unknown field "profile"; check the spelling against the config format in the README',
    ],
  ])("rejects %j naming the profile, field, value and fix", (input, message) => {
    expect(problems(input)).toContain(message);
  });

  it("compiles the approval and exception policy, with defaults when they are absent", () => {
    const defaults = configOf({});
    expect(defaults.approvals.approvers.map((p) => p.text)).toEqual(["*"]);
    expect(defaults.approvals).toMatchObject({ ttlMs: 3_600_000, onExpiry: "renotify" });
    expect([...defaults.approvals.twoPersonFor]).toEqual([]);
    expect(defaults.exceptions).toEqual({ maxHours: 8, maxMs: 28_800_000 });

    const config = configOf({
      approvals: {
        approvers: ["alice", "oncall-*"],
        ttlMinutes: 30,
        twoPersonFor: ["quarantine-role"],
        onExpiry: "escalate",
        escalateTo: "security-leads",
      },
      exceptions: { maxHours: 2.5 },
    });
    expect(config.approvals.approvers.map((p) => p.text)).toEqual(["alice", "oncall-*"]);
    expect(config.approvals.approvers[1]?.matches("oncall-bob")).toBe(true);
    expect(config.approvals).toMatchObject({
      ttlMs: 1_800_000,
      onExpiry: "escalate",
      escalateTo: "security-leads",
    });
    expect(config.approvals.twoPersonFor.has("quarantine-role")).toBe(true);
    expect(config.exceptions).toEqual({ maxHours: 2.5, maxMs: 9_000_000 });
  });

  it("lists every problem at once and names the config source", () => {
    try {
      configOf(profile({ sources: ["office"], criticality: "urgent" }) as ConfigInput);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(2);
      expect((error as ConfigError).message).toMatch(
        /^test-config: 2 problems in the configuration:\n {2}- profile "ci-deployer"/,
      );
    }
  });
});
