import { describe, expect, it } from "vitest";
import { decide } from "../../../shared/domain/decide/decide.ts";
import { configOf } from "../../support/context.ts";

const KEY = { kind: "access-key" as const, id: "AKIAEXAMPLE000000001" };
const USER = "arn:aws:iam::111122223333:user/svc-ci";

describe("decide", () => {
  const config = configOf({ protected: ["arn:aws:iam::*:role/break-glass-*"] });

  it("maps bands to modes with the default policy", () => {
    expect(decide({ severity: "low", credential: KEY, principalArn: USER }, config).decision).toBe(
      "record-only",
    );
    expect(decide({ severity: "medium", credential: KEY, principalArn: USER }, config)).toMatchObject({
      decision: "notify",
      playbook: "notify",
    });
    expect(decide({ severity: "high", credential: KEY, principalArn: USER }, config)).toMatchObject({
      decision: "needs-approval",
      playbook: "deactivate-access-key",
    });
    expect(decide({ severity: "critical", credential: KEY, principalArn: USER }, config)).toEqual({
      decision: "auto",
      playbook: "deactivate-access-key",
      reason:
        "critical reaches the auto band; playbook deactivate-access-key from the default for access-key",
    });
  });

  it("takes the playbook from the profile, then the policy per credential kind", () => {
    const withPolicy = configOf({
      policy: { kinds: { "role-session": { playbook: "quarantine-role" } } },
      profiles: [
        { id: "app", match: { roles: ["arn:aws:iam::111122223333:role/app"] }, playbook: "detach-policies" },
      ],
    });
    const session = { kind: "role-session" as const, id: "arn:aws:iam::111122223333:role/app" };
    expect(
      decide({ severity: "high", credential: session, principalArn: session.id }, withPolicy).playbook,
    ).toBe("quarantine-role");
    const profile = withPolicy.profiles[0];
    expect(
      decide({ severity: "high", credential: session, principalArn: session.id, profile }, withPolicy),
    ).toMatchObject({
      playbook: "detach-policies",
      reason: 'high reaches the approval band; playbook detach-policies from profile "app"',
    });
  });

  it("blocks action on protected and service-linked principals", () => {
    const role = "arn:aws:iam::111122223333:role/break-glass-admin";
    expect(
      decide(
        { severity: "critical", credential: { kind: "role-session", id: role }, principalArn: role },
        config,
      ),
    ).toEqual({
      decision: "blocked-by-guard",
      playbook: "revoke-sessions",
      reason: `${role} matches protected pattern arn:aws:iam::*:role/break-glass-*: vigil never acts on it`,
    });
    const own = "arn:aws:iam::111122223333:role/vigil-executor";
    expect(
      decide(
        { severity: "critical", credential: { kind: "role-session", id: own }, principalArn: own },
        config,
      ),
    ).toMatchObject({
      decision: "blocked-by-guard",
      reason: `${own} is one of vigil's own roles (arn:aws:iam::*:role/vigil-*): vigil never acts on it`,
    });
    const slr = "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";
    expect(
      decide({ severity: "high", credential: { kind: "role-session", id: slr }, principalArn: slr }, config)
        .decision,
    ).toBe("blocked-by-guard");
  });

  it("lets a credential kind have its own bands", () => {
    const keysFirst = configOf({ policy: { kinds: { "access-key": { auto: "high" } } } });
    expect(decide({ severity: "high", credential: KEY, principalArn: USER }, keysFirst)).toEqual({
      decision: "auto",
      playbook: "deactivate-access-key",
      reason:
        "high reaches the auto band for access-key; playbook deactivate-access-key from the default for access-key",
    });
    const session = { kind: "role-session" as const, id: "arn:aws:iam::111122223333:role/app" };
    expect(
      decide({ severity: "high", credential: session, principalArn: session.id }, keysFirst).decision,
    ).toBe("needs-approval");
  });

  it("honours 'never' to switch a mode off", () => {
    const observe = configOf({ policy: { auto: "never", approval: "never", notify: "high" } });
    expect(decide({ severity: "critical", credential: KEY, principalArn: USER }, observe).decision).toBe(
      "notify",
    );
  });
});
