import { describe, expect, it } from "vitest";
import {
  controlsFor,
  NIST_CSF_BY_ACTION,
  OWASP_NHI_BY_SIGNAL,
} from "../../../shared/domain/ledger/controls.ts";
import { ledgerEntry } from "../../../shared/domain/ledger/entry.ts";
import { LEDGER_ACTIONS, LedgerEntrySchema } from "../../../shared/domain/ledger/record.ts";
import { SIGNAL_IDS } from "../../../shared/domain/vocabulary.ts";

describe("NIST_CSF_BY_ACTION", () => {
  it("gives every action at least one CSF 2.0 subcategory, each with a one-line reason", () => {
    for (const action of LEDGER_ACTIONS) {
      const refs = NIST_CSF_BY_ACTION[action];
      expect(refs.length, action).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref.id).toMatch(/^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/);
        expect(ref.why.length).toBeGreaterThan(20);
        expect(ref.why).not.toContain("\n");
      }
    }
  });

  it("ties decisions to detection and containment steps to mitigation", () => {
    expect(controlsFor("finding-decided").nistCsf).toEqual(["DE.CM-01", "DE.CM-03", "DE.AE-02", "DE.AE-04"]);
    expect(controlsFor("playbook-step").nistCsf).toContain("RS.MI-01");
    expect(controlsFor("exception-granted").nistCsf).toEqual(["PR.AA-05"]);
  });
});

describe("OWASP_NHI_BY_SIGNAL", () => {
  it("maps every detection signal to at least one NHI Top 10 (2025) risk, with a reason", () => {
    for (const signal of SIGNAL_IDS) {
      const refs = OWASP_NHI_BY_SIGNAL[signal];
      expect(refs.length, signal).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref.id).toMatch(/^NHI([1-9]|10):2025$/);
        expect(ref.why.length).toBeGreaterThan(20);
      }
    }
  });
});

describe("controlsFor", () => {
  it("unites the NHI risks of the signals, each once, in list order", () => {
    expect(
      controlsFor("finding-decided", ["console-login-no-mfa", "unexpected-source", "new-source"]).owaspNhi,
    ).toEqual(["NHI2:2025", "NHI4:2025", "NHI10:2025"]);
  });

  it("names no NHI risk without signals", () => {
    expect(controlsFor("approval-decided").owaspNhi).toEqual([]);
  });
});

describe("ledgerEntry", () => {
  it("writes the clock's time as an ISO instant and looks the controls up", () => {
    const entry = ledgerEntry({
      at: Date.parse("2026-03-10T12:00:00Z"),
      actor: { kind: "human", id: "alice@example.com" },
      action: "approval-decided",
      subject: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
      reason: "confirmed with the CI owner",
      change: { approvalId: "apr-1", decision: "approved" },
      signals: ["logging-tampering"],
    });
    expect(entry.time).toBe("2026-03-10T12:00:00.000Z");
    expect(entry.controls).toEqual({ nistCsf: ["RS.MA-02", "PR.AA-05"], owaspNhi: ["NHI5:2025"] });
    expect(LedgerEntrySchema.parse(entry)).toEqual(entry);
  });
});
