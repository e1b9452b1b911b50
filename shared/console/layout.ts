import { type Html, html } from "./html.ts";

/** One page of the console, as the navigation lists it. */
export interface Section {
  readonly path: string;
  readonly title: string;
}

/** A one-line message at the top of a page: what an action did, or why it was refused. */
export interface Notice {
  readonly kind: "ok" | "error";
  readonly text: string;
}

/** What every page is made of. */
export interface PageFrame {
  readonly title: string;
  /** The path of the section this page belongs to (marked in the navigation). */
  readonly current: string;
  readonly sections: readonly Section[];
  readonly notice?: Notice;
  readonly body: Html;
}

/**
 * The whole document around a page body: navigation, notice and the style sheet. No script and no
 * inline style, so the Content-Security-Policy can forbid both.
 */
export function layout(frame: PageFrame): string {
  const nav = frame.sections.map(
    (s) =>
      html`<a href="${s.path}"${s.path === frame.current ? html` aria-current="page"` : ""}>${s.title}</a>`,
  );
  const notice =
    frame.notice === undefined
      ? ""
      : html`<p class="notice ${frame.notice.kind}" role="${frame.notice.kind === "error" ? "alert" : "status"}">${frame.notice.text}</p>`;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · vigil</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<header class="top"><a class="brand" href="/">vigil</a><nav class="sections" aria-label="Sections">${nav}</nav></header>
<main>
<h1>${frame.title}</h1>
${notice}
${frame.body}
</main>
</body>
</html>
`}`;
}

/** "3 h 05 min", "12 min", "45 s": how long `ms` is, for "time left" and "since". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** An instant as the console shows it: `2026-03-10 12:00:00 UTC`. */
export function instant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
