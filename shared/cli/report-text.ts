import { styleText } from "node:util";
import type { Exposure } from "../domain/finding.ts";
import type { ReplayResult } from "../domain/pipeline/replay.ts";
import type { Severity } from "../domain/vocabulary.ts";

export interface TextReportOptions {
  /** Exposures shown in detail; the rest get one line each. */
  readonly top: number;
  readonly color: boolean;
  readonly inputs: readonly string[];
  readonly seconds: number;
  /** Rejections listed one per line before "…and N more". */
  readonly maxRejections?: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Replaces control characters (ANSI escapes, carriage returns…) with visible escapes: user agents,
 * session names and request parameters are attacker-controlled and must not drive the terminal.
 */
export function safe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

const SEVERITY_STYLE: Record<Severity, Parameters<typeof styleText>[0]> = {
  critical: ["bold", "red"],
  high: "red",
  medium: "yellow",
  low: "dim",
};

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

/** The readable terminal report of a replay: ranked exposures with reasons, factors and plans. */
export function replayText(result: ReplayResult, options: TextReportOptions): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    options.color ? styleText(style, text) : text;
  const lines: string[] = [];
  const { summary } = result;
  const credentials = summary.exposures;
  lines.push(
    `${paint("bold", "vigil replay")}: ${count(summary.records, "record")} from ${count(options.inputs.length, "input")} in ${options.seconds.toFixed(1)} s — ${summary.rejected.toLocaleString("en-US")} rejected, ${count(summary.findings, "finding")} on ${count(credentials, "credential")}`,
  );
  if (summary.ignored > 0) {
    lines.push(
      paint(
        "dim",
        `${count(summary.ignored, "record")} made by AWS services without a credential were read and not analyzed`,
      ),
    );
  }
  lines.push("");
  if (result.exposures.length === 0) {
    lines.push("No exposures: no detection fired on any credential use.");
  } else {
    lines.push(paint("bold", "Ranked exposures — what to fix first"));
    result.exposures.forEach((exposure, i) => {
      if (i < options.top) lines.push(...detailed(exposure, i + 1, paint), "");
      else lines.push(oneLine(exposure, i + 1, paint));
    });
    if (result.exposures.length > options.top) lines.push("");
  }
  if (result.rejected.length > 0) {
    const max = options.maxRejections ?? 20;
    lines.push(paint("bold", `Rejected records (${summary.rejected.toLocaleString("en-US")})`));
    for (const r of result.rejected.slice(0, max))
      lines.push(`  ${safe(r.source)} #${r.index}: ${safe(r.error)}`);
    if (summary.rejected > max)
      lines.push(`  …and ${(summary.rejected - max).toLocaleString("en-US")} more (see --json)`);
    lines.push("");
  }
  const planned = result.exposures.filter((e) => e.playbook !== null && e.decision !== "notify").length;
  lines.push(
    paint(
      "dim",
      `Planned only: nothing was executed${planned ? ` (${count(planned, "playbook")} planned)` : ""}. Use --json for every finding.`,
    ),
  );
  return `${lines.join("\n")}\n`;
}

/** An ISO time as a person reads it: "2026-03-07 02:14:07Z". */
function when(iso: string): string {
  return iso.replace("T", " ").replace(".000Z", "Z");
}

type Paint = (style: Parameters<typeof styleText>[0], text: string) => string;

function badge(exposure: Exposure, paint: Paint): string {
  return paint(
    SEVERITY_STYLE[exposure.severity],
    `${exposure.severity.toUpperCase().padEnd(8)} ${String(exposure.score).padStart(3)}`,
  );
}

function oneLine(exposure: Exposure, rank: number, paint: Paint): string {
  return `${String(rank).padStart(3)}. ${badge(exposure, paint)}  ${exposure.credential.kind} ${safe(exposure.credential.id)}  ${exposure.signals.join(", ")}  → ${exposure.decision}`;
}

function detailed(exposure: Exposure, rank: number, paint: Paint): string[] {
  const pad = "     ";
  const label = (text: string) => paint("dim", text.padEnd(9));
  const owner = exposure.owner ? ` · owner ${safe(exposure.owner)}` : "";
  const principal = exposure.principal === exposure.credential.id ? "" : ` · ${safe(exposure.principal)}`;
  const out = [
    `${String(rank).padStart(3)}. ${badge(exposure, paint)}  ${paint("bold", `${exposure.credential.kind} ${safe(exposure.credential.id)}`)}${principal}${owner}`,
    `${pad}${label("signals")}${exposure.signals.join(", ")} (${count(exposure.findings, "finding")}, ${when(exposure.firstSeen)} → ${when(exposure.lastSeen)})`,
  ];
  exposure.reasons.slice(0, 6).forEach((r, i) => {
    out.push(`${pad}${label(i === 0 ? "why" : "")}${r.signal}: ${safe(r.reason)}`);
  });
  if (exposure.reasons.length > 6) out.push(`${pad}${label("")}(+${exposure.reasons.length - 6} more)`);
  out.push(
    `${pad}${label("score")}${exposure.factors.map((f) => `${f.name} +${f.points}`).join(" · ")}`,
    ...exposure.factors
      .filter((f) => f.points > 0)
      .map((f) => `${pad}${label("")}${paint("dim", `${f.name}: ${safe(f.reason)}`)}`),
    `${pad}${label("decision")}${paint("bold", exposure.decision)}: ${safe(exposure.decisionReason)}`,
  );
  if (exposure.playbook !== null) {
    exposure.playbook.steps.forEach((step, i) => {
      out.push(
        `${pad}${label(i === 0 ? `plan` : "")}${i + 1}. ${step.step.padEnd(22)} ${safe(step.description)}`,
      );
    });
    for (const note of exposure.playbook.notes)
      out.push(`${pad}${label("")}${paint("dim", `note: ${safe(note)}`)}`);
  }
  return out;
}
