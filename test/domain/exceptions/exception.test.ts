import { describe, expect, it } from "vitest";
import { decide, suppressingExceptionId } from "../../../shared/domain/decide/decide.ts";
import {
  type BreakGlassException,
  coveringException,
  covers,
  isActive,
  statusAt,
} from "../../../shared/domain/exceptions/exception.ts";
import { configOf } from "../../support/context.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const USER = "arn:aws:iam::111122223333:user/svc-ci";
const KEY = { kind: "access-key" as const, id: "AKIAEXAMPLE000000001" };

function exception(fields: Partial<BreakGlassException> = {}): BreakGlassException {
  return {
    id: "exc-1",
    scope: { kind: "principal", arn: USER },
    playbooks: [],
    signals: [],
    reason: "incident 4711: the CI runs from the DR site",
    grantedBy: "alice",
    grantedAt: T0,
    expiresAt: T0 + HOUR,
    ...fields,
  };
}

describe("isActive and statusAt", () => {
  it("is active from the grant up to one second before the expiry, and expired at the expiry instant", () => {
    const e = exception();
    expect(isActive(e, T0)).toBe(true);
    expect(isActive(e, T0 + HOUR - 1000)).toBe(true);
    expect(isActive(e, T0 + HOUR - 1)).toBe(true);
    expect(isActive(e, T0 + HOUR)).toBe(false);
    expect(statusAt(e, T0 + HOUR)).toBe("expired");
    expect(isActive(e, T0 - 1)).toBe(false);
  });

  it("ends at the revocation instant when revoked early, and says so", () => {
    const e = exception({ revoked: { by: "bob", reason: "incident closed", at: T0 + 600_000 } });
    expect(isActive(e, T0 + 599_999)).toBe(true);
    expect(isActive(e, T0 + 600_000)).toBe(false);
    expect(statusAt(e, T0 + 600_000)).toBe("revoked");
    expect(statusAt(exception(), T0 + 1)).toBe("active");
  });
});

describe("covers", () => {
  const subject = {
    principalArn: USER,
    credential: KEY,
    playbook: "deactivate-access-key",
    signals: ["unexpected-source", "outside-window"] as const,
  };

  it("matches a principal, a credential and a pattern, and nothing else", () => {
    expect(covers(exception(), subject)).toBe(true);
    expect(covers(exception({ scope: { kind: "principal", arn: `${USER}-2` } }), subject)).toBe(false);
    expect(covers(exception({ scope: { kind: "credential", credential: KEY } }), subject)).toBe(true);
    expect(
      covers(
        exception({
          scope: { kind: "credential", credential: { kind: "access-key", id: "AKIAOTHER00000000000" } },
        }),
        subject,
      ),
    ).toBe(false);
    expect(
      covers(exception({ scope: { kind: "pattern", pattern: "arn:aws:iam::*:user/svc-*" } }), subject),
    ).toBe(true);
    expect(covers(exception({ scope: { kind: "pattern", pattern: "AKIAEXAMPLE*" } }), subject)).toBe(true);
    expect(covers(exception({ scope: { kind: "pattern", pattern: "arn:aws:iam::*:role/*" } }), subject)).toBe(
      false,
    );
  });

  it("covers only the listed playbooks, and only when every signal is listed", () => {
    expect(covers(exception({ playbooks: ["deactivate-access-key"] }), subject)).toBe(true);
    expect(covers(exception({ playbooks: ["quarantine-user"] }), subject)).toBe(false);
    expect(covers(exception({ signals: ["unexpected-source", "outside-window"] }), subject)).toBe(true);
    expect(covers(exception({ signals: ["unexpected-source"] }), subject)).toBe(false);
  });

  it("picks an exception in force at the given time only", () => {
    const list = [exception({ id: "old", expiresAt: T0 + 10 }), exception({ id: "new", grantedAt: T0 + 5 })];
    expect(coveringException(list, subject, T0)?.id).toBe("old");
    expect(coveringException(list, subject, T0 + 10)?.id).toBe("new");
    expect(coveringException(list, subject, T0 + 5 + HOUR)).toBeUndefined();
  });
});

describe("decide with break-glass exceptions", () => {
  const config = configOf({ protected: ["arn:aws:iam::*:role/break-glass-*"] });
  const subject = {
    severity: "critical" as const,
    credential: KEY,
    principalArn: USER,
    signals: ["unexpected-source" as const],
  };

  it("suppresses an auto decision while an exception is in force, naming it and what it would have done", () => {
    const decided = decide(subject, config, { exceptions: [exception()], at: T0 + HOUR - 1000 });
    expect(decided).toMatchObject({
      decision: "suppressed-by-exception",
      playbook: "deactivate-access-key",
      exceptionId: "exc-1",
    });
    expect(decided.reason).toBe(
      `suppressed by exception exc-1 (principal ${USER}, granted by alice until 2026-03-10T13:00:00.000Z: incident 4711: the CI runs from the DR site); without it: auto: critical reaches the auto band; playbook deactivate-access-key from the default for access-key`,
    );
    expect(suppressingExceptionId({ decision: decided.decision, decisionReason: decided.reason })).toBe(
      "exc-1",
    );
  });

  it("decides as without an exception at the expiry instant", () => {
    expect(decide(subject, config, { exceptions: [exception()], at: T0 + HOUR })).toEqual(
      decide(subject, config),
    );
  });

  it("suppresses needs-approval and notify, never record-only or a guard's block", () => {
    const at = { exceptions: [exception()], at: T0 };
    expect(decide({ ...subject, severity: "high" }, config, at).decision).toBe("suppressed-by-exception");
    expect(decide({ ...subject, severity: "medium" }, config, at).decision).toBe("suppressed-by-exception");
    expect(decide({ ...subject, severity: "low" }, config, at).decision).toBe("record-only");
    const role = "arn:aws:iam::111122223333:role/break-glass-admin";
    const guarded = decide(
      { severity: "critical", credential: { kind: "role-session", id: role }, principalArn: role },
      config,
      { exceptions: [exception({ scope: { kind: "principal", arn: role } })], at: T0 },
    );
    expect(guarded.decision).toBe("blocked-by-guard");
  });

  it("names no exception for other decisions", () => {
    expect(
      suppressingExceptionId({ decision: "auto", decisionReason: "suppressed by exception x (y)" }),
    ).toBeUndefined();
  });
});
