/**
 * The console's style sheet, served as /static/console.css. It is kept in a module rather than a
 * .css file so that the bundled CLI (dist/vigil.mjs) carries it. Mobile first: one column on a phone,
 * wider cards and side-by-side facts from 48rem up. No external fonts or images.
 */
export const CONSOLE_CSS = `
:root {
  --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --card: #fff;
  --accent: #0b5cad; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --crit: #82071e;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.875em; overflow-wrap: anywhere; }
header.top { background: #0d1117; color: #fff; padding: 0.5rem 1rem; position: sticky; top: 0; z-index: 1; }
header.top .brand { font-weight: 700; margin-right: 1rem; color: #fff; text-decoration: none; }
nav.sections { display: flex; gap: 0.25rem; overflow-x: auto; margin-top: 0.25rem; }
nav.sections a { color: #c9d1d9; text-decoration: none; padding: 0.5rem 0.75rem; border-radius: 6px; white-space: nowrap; }
nav.sections a[aria-current="page"] { background: #30363d; color: #fff; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: 0.25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 0.75rem 0 0.25rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; }
.meta { color: var(--muted); font-size: 0.9rem; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0.1rem 0.5rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600; border: 1px solid currentColor; }
.sev-low { color: var(--ok); } .sev-medium { color: var(--warn); } .sev-high { color: var(--bad); } .sev-critical { color: #fff; background: var(--crit); border-color: var(--crit); }
.state-ok { color: var(--ok); } .state-bad { color: var(--bad); } .state-warn { color: var(--warn); }
.score { font-size: 1.6rem; font-weight: 700; float: right; margin-left: 0.5rem; }
ul.plain { list-style: none; padding: 0; margin: 0; }
ul.plain li { padding: 0.25rem 0; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
ul.plain li:first-child { border-top: 0; }
.points { display: inline-block; min-width: 2.5rem; font-weight: 700; }
details > summary { cursor: pointer; padding: 0.25rem 0; }
.notice { padding: 0.75rem 1rem; border-radius: 8px; margin: 0 0 1rem; border: 1px solid; }
.notice.ok { background: #dafbe1; border-color: var(--ok); }
.notice.error { background: #ffebe9; border-color: var(--bad); }
form.inline { display: grid; gap: 0.5rem; margin-top: 0.75rem; }
label { font-weight: 600; font-size: 0.9rem; }
input[type=text], input[type=number], input[type=date], select, textarea { width: 100%; font: inherit; padding: 0.6rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
textarea { min-height: 4.5rem; }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; }
button, .button { font: inherit; font-weight: 600; padding: 0.7rem 1.1rem; border-radius: 6px; border: 1px solid var(--line); background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; min-height: 44px; display: inline-flex; align-items: center; }
button.primary { background: var(--ok); border-color: var(--ok); color: #fff; }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
.filters { display: grid; gap: 0.5rem; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline > li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem; margin-bottom: 0.5rem; }
ol.timeline .head { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: baseline; }
.empty { color: var(--muted); font-style: italic; }
@media (min-width: 48rem) {
  main { padding: 1.5rem 2rem; }
  h1 { font-size: 1.7rem; }
  header.top { display: flex; align-items: center; gap: 1rem; }
  nav.sections { margin-top: 0; }
  .filters { grid-template-columns: repeat(3, 1fr) auto; align-items: end; }
  .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
}
`;
