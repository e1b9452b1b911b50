import { describe, expect, it } from "vitest";
import { exposuresPage } from "../../../shared/console/pages/exposures.ts";
import { HOSTILE_SESSION, hostileExposure, keyExposure } from "../../support/console-store.ts";

describe("exposuresPage", () => {
  it("ranks exposures by score with their factors, reasons and planned steps", () => {
    const text = String(exposuresPage([keyExposure(), hostileExposure()]));
    expect(text.indexOf("#1 <code>role-session</code>")).toBeLessThan(
      text.indexOf("#2 <code>access-key</code>"),
    );
    expect(text).toContain('<span class="points">+20</span> <strong>privilege</strong> — can write IAM');
    expect(text).toContain("deny every action to role etl");
    expect(text).toContain("no playbook planned");
  });

  it("shows attacker-controlled session names and user agents as text", () => {
    const text = String(exposuresPage([hostileExposure()]));
    expect(text).not.toContain(HOSTILE_SESSION);
    expect(text).not.toContain("<img");
    expect(text).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
  });

  it("says how to fill an empty store", () => {
    expect(String(exposuresPage([]))).toContain("vigil replay FILE --store PATH");
  });
});
