import * as z from "zod";
import { STEP_IDS } from "../vocabulary.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { ChainVerdict } from "./chain.ts";
import type { LedgerRecord } from "./record.ts";

/** Playbook steps that contain an exposure (a notification informs, it does not contain). */
export const CONTAINMENT_STEPS: readonly string[] = STEP_IDS.filter((s) => s !== "notify");

/**
 * The `change` a `playbook-step` or `undo-step` record carries (more fields may follow): the step, its
 * target and its status in the playbook executor's words (`applied`, `already-done`, `failed`,
 * `blocked`, `not-found`; for undo `undone`, `not-needed`, …).
 */
export const PlaybookStepChangeSchema = z
  .object({ step: z.enum(STEP_IDS), target: z.string(), status: z.string() })
  .loose();

/** Step statuses that mean the step's effect is in place: the exposure is contained from then on. */
export const CONTAINED_STATUSES: readonly string[] = ["applied", "already-done"];

/** The `change` an `approval-decided` record carries (more fields may follow). */
export const ApprovalDecidedChangeSchema = z.object({ decision: z.enum(["approved", "denied"]) }).loose();

const FindingChangeSchema = z
  .object({
    decision: z.string(),
    severity: z.string(),
    score: z.number(),
    principal: z.string(),
    firstSeen: z.string(),
    signals: z.array(z.string()),
  })
  .loose();

/** What the report says about the period and the chain it was read from. */
export interface AuditReportOptions {
  readonly from?: string;
  readonly to?: string;
  /** Epoch milliseconds, from the Clock. */
  readonly generatedAt: number;
  /** The verdict over the whole ledger, not only the period. */
  readonly chain: ChainVerdict;
}

const MARKDOWN = /[\\`*_[\]<>|~&]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Text from a record as inert Markdown: control characters (line breaks too) shown as `\xNN`, and the
 * characters that make links, HTML, emphasis or table cells backslash-escaped. Reasons, ARNs and
 * session names come from CloudTrail events and are attacker-controlled.
 */
export function markdownText(text: string): string {
  return text
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .replace(MARKDOWN, (c) => `\\${c}`);
}

/** A duration as days, hours, minutes and seconds: `2 h 14 min 5 s`. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["min", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(seconds / size);
    seconds -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.length === 0 ? "0 s" : parts.join(" ");
}

/** The story of one subject: first detection, approvals, containment. */
interface SubjectStory {
  readonly kind: string;
  readonly id: string;
  readonly records: LedgerRecord[];
}

function what(r: LedgerRecord): string {
  if (r.action === "finding-decided") {
    const c = FindingChangeSchema.safeParse(r.change);
    if (c.success) {
      return `${c.data.decision} (${c.data.severity}, score ${c.data.score}); signals ${c.data.signals.join(", ")}`;
    }
  }
  if (r.action === "playbook-step" || r.action === "undo-step") {
    const c = PlaybookStepChangeSchema.safeParse(r.change);
    if (c.success) return `${c.data.step} on ${c.data.target}: ${c.data.status}`;
  }
  if (r.action === "approval-decided") {
    const c = ApprovalDecidedChangeSchema.safeParse(r.change);
    if (c.success) return c.data.decision;
  }
  const json = canonicalJson(r.change);
  return json.length > 160 ? `${json.slice(0, 159)}…` : json;
}

function isContainment(r: LedgerRecord): boolean {
  if (r.action !== "playbook-step") return false;
  const c = PlaybookStepChangeSchema.safeParse(r.change);
  return c.success && CONTAINED_STATUSES.includes(c.data.status) && CONTAINMENT_STEPS.includes(c.data.step);
}

function actorText(actor: LedgerRecord["actor"]): string {
  return actor.kind === "vigil" && actor.id === "vigil" ? "vigil" : `${actor.kind} ${markdownText(actor.id)}`;
}

function chainLine(chain: ChainVerdict): string {
  return chain.intact
    ? `intact: ${chain.count} records, head hash \`${chain.head}\``
    : `**TAMPERED** (${chain.problem.kind}): ${markdownText(chain.problem.reason)}`;
}

/**
 * A Markdown report of a period a compliance reviewer can hand to an auditor: the chain's state, a
 * summary per subject (decision, first detection, containment, how long the exposure lasted), then per
 * subject who did what, when, why, who approved it, and the controls each record serves. Durations
 * run from the subject's first `finding-decided` record to its first applied (or already-done) containment step, both
 * within the period. Records are listed in sequence order.
 */
export function auditReport(records: readonly LedgerRecord[], options: AuditReportOptions): string {
  const stories = new Map<string, SubjectStory>();
  for (const r of records) {
    const key = `${r.subject.kind}:${r.subject.id}`;
    const story = stories.get(key) ?? { kind: r.subject.kind, id: r.subject.id, records: [] };
    story.records.push(r);
    stories.set(key, story);
  }
  const out: string[] = [];
  const period =
    options.from === undefined && options.to === undefined
      ? "all records"
      : `${options.from === undefined ? "the first record" : `${options.from} (inclusive)`} to ${options.to === undefined ? "the last record" : `${options.to} (exclusive)`}`;
  out.push("# vigil remediation records", "");
  out.push(`- Period: ${period}`);
  out.push(`- Generated: ${new Date(options.generatedAt).toISOString()}`);
  out.push(`- Hash chain of the whole ledger: ${chainLine(options.chain)}`);
  const actions = new Map<string, number>();
  for (const r of records) actions.set(r.action, (actions.get(r.action) ?? 0) + 1);
  const counts = [...actions].map(([a, n]) => `${a} ${n}`).join(", ");
  out.push(`- Records in the period: ${records.length}${counts ? ` (${counts})` : ""}`, "");
  if (records.length === 0) {
    out.push("No records in this period.", "");
    return out.join("\n");
  }

  out.push("## Summary", "");
  out.push("| subject | decision | first detected | contained | exposure lasted |");
  out.push("| --- | --- | --- | --- | --- |");
  const details: string[] = [];
  for (const story of stories.values()) {
    const subject = markdownText(`${story.kind} ${story.id}`);
    const detected = story.records.find((r) => r.action === "finding-decided");
    const decision = detected ? FindingChangeSchema.safeParse(detected.change).data : undefined;
    const contained = detected
      ? story.records.find((r) => r.seq > detected.seq && isContainment(r))
      : undefined;
    const lasted =
      detected && contained
        ? formatDuration(Date.parse(contained.time) - Date.parse(detected.time))
        : detected
          ? "not contained in this period"
          : "—";
    out.push(
      `| ${subject} | ${decision ? markdownText(`${decision.decision} (${decision.severity})`) : "—"} | ${detected?.time ?? "—"} | ${contained?.time ?? "—"} | ${lasted} |`,
    );

    details.push(`## ${subject}`, "");
    if (decision) details.push(`- Principal: ${markdownText(decision.principal)}`);
    if (detected) {
      details.push(
        `- First detected: ${detected.time} (record ${detected.seq})${decision ? `; first seen in CloudTrail ${markdownText(decision.firstSeen)}` : ""}`,
      );
    }
    if (contained) {
      details.push(
        `- Contained: ${contained.time} by ${actorText(contained.actor)}: ${markdownText(what(contained))} (record ${contained.seq}); the exposure lasted ${lasted}`,
      );
    } else if (detected) details.push("- Contained: not within this period");
    const approvals = story.records.filter((r) => r.action === "approval-decided");
    details.push(
      approvals.length === 0
        ? "- Approvals: none recorded"
        : `- Approvals: ${approvals.map((a) => `${markdownText(what(a))} by ${markdownText(a.actor.id)} at ${a.time} (record ${a.seq}): ${markdownText(a.reason)}`).join("; ")}`,
    );
    details.push(
      "",
      "| # | time | actor | action | what | why | controls |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const r of story.records) {
      const controls = [...r.controls.nistCsf, ...r.controls.owaspNhi].join(" ");
      details.push(
        `| ${r.seq} | ${r.time} | ${actorText(r.actor)} | ${r.action} | ${markdownText(what(r))} | ${markdownText(r.reason)} | ${controls} |`,
      );
    }
    details.push("");
  }
  out.push("", ...details);
  return out.join("\n");
}
