/**
 * Server-side HTML with escaping as the default. Every value interpolated into an `html` template is
 * escaped by `escapeHtml` unless it is already `Html` (a template's own result, or `trusted(…)` for
 * markup written in this code base). Event-derived strings — user agents, session names, request
 * parameters — are attacker-controlled and must only ever reach a page through `html`.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * The one escaping function: text safe in element content and in quoted attribute values. Control
 * characters other than tab and line feed are shown as `\u{…}` so they cannot confuse a reader.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"'`]/g, (c) => ENTITIES[c]!)
    .replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g,
      (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
    );
}

/** Held only by this module: no other code can make an `Html` without `html` or `trusted`. */
const MINT = Symbol("html");

/** A piece of markup that is safe to emit as is. Only `html` and `trusted` make one. */
export class Html {
  readonly #markup: string;
  constructor(markup: string, key: symbol) {
    if (key !== MINT) throw new TypeError("Html is made by the html`` tag or trusted(), never directly");
    this.#markup = markup;
  }
  toString(): string {
    return this.#markup;
  }
}

/** What a template accepts: text (escaped), numbers, markup, nothing (empty), or lists of these. */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/**
 * The template tag: literal parts are markup, every `${value}` is escaped.
 *
 * @example
 * html`<td>${record.actor.id}</td>` // "<td>&lt;script&gt;…</td>" for a hostile actor id
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? "");
  return new Html(out, MINT);
}

/**
 * The explicit marker for markup that does not go through `html`: a constant written in this code
 * base (never text from a request, a record or the store).
 */
export function trusted(markup: string): Html {
  return new Html(markup, MINT);
}
