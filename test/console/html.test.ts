import { describe, expect, it } from "vitest";
import { escapeHtml, Html, html, trusted } from "../../shared/console/html.ts";

describe("escapeHtml", () => {
  it("turns every markup character into an entity", () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;",
    );
  });

  it("shows control characters as code points and keeps ordinary text", () => {
    expect(escapeHtml("a\u0007b\u202c\nc\u2028")).toBe("a\\u{7}b\u202c\nc\\u{2028}");
  });
});

describe("html", () => {
  it("escapes every interpolated string, including inside attributes", () => {
    const agent = `"><script>alert(1)</script>`;
    expect(String(html`<p title="${agent}">${agent}</p>`)).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it("keeps nested templates and trusted markup as markup, and renders lists and empty values", () => {
    const items = ["<b>", "c"].map((t) => html`<li>${t}</li>`);
    expect(String(html`<ul>${items}</ul>${trusted("<hr>")}${undefined}${null}${false}${3}`)).toBe(
      "<ul><li>&lt;b&gt;</li><li>c</li></ul><hr>3",
    );
  });

  it("cannot be handed raw markup disguised as Html", () => {
    expect(() => new Html("<script>", Symbol("html"))).toThrow(/made by the html`` tag/);
  });
});
