import * as z from "zod";
import { VigilError } from "../errors.ts";
import { CREDENTIAL_KINDS } from "../vocabulary.ts";

/**
 * What a ledger record says happened. Stable kebab-case words: exports and audits use exactly these
 * strings, so renaming one is a breaking change; new actions may be added.
 */
export const LEDGER_ACTIONS = [
  "finding-decided",
  "approval-requested",
  "approval-decided",
  "approval-expired",
  "playbook-step",
  "playbook-dispatched",
  "undo-step",
  "exception-granted",
  "exception-used",
  "exception-expired",
  "exception-revoked",
  "quarantine-lifted",
  "quarantine-reapplied",
  "kill-switch-set",
  "kill-switch-cleared",
] as const;
export type LedgerAction = (typeof LEDGER_ACTIONS)[number];

/** Who acted: a person (on-call engineer, approver) or vigil itself. */
export const ACTOR_KINDS = ["human", "vigil"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * What a record is about. Records about an exposure name its credential (`access-key`, `role-session`,
 * `secret`, `root`, `console` with the credential id), so that a subject's decisions, approvals and
 * playbook steps line up; `principal` and `pattern` serve exceptions, `run` serves whole runs, and
 * `responder` is vigil itself (its kill switch).
 */
export const SUBJECT_KINDS = [...CREDENTIAL_KINDS, "principal", "pattern", "run", "responder"] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** The instant format of every record time: what `Date.prototype.toISOString` writes, so times sort as text. */
export const RECORD_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const HASH = /^[0-9a-f]{64}$/;

const actorSchema = z.object({ kind: z.enum(ACTOR_KINDS), id: z.string().min(1) }).strict();
const subjectSchema = z.object({ kind: z.enum(SUBJECT_KINDS), id: z.string().min(1) }).strict();
const controlsSchema = z
  .object({
    /** NIST Cybersecurity Framework 2.0 subcategory ids, e.g. `DE.CM-01`. */
    nistCsf: z.array(z.string().regex(/^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/)),
    /** OWASP Non-Human Identities Top 10 (2025) risk ids, e.g. `NHI2:2025`. */
    owaspNhi: z.array(z.string().regex(/^NHI([1-9]|10):2025$/)),
  })
  .strict();

/** What a writer hands to the ledger: everything but the sequence number and the hashes. */
export const LedgerEntrySchema = z
  .object({
    time: z.string().regex(RECORD_TIME, "must be written like 2026-03-10T12:00:00.000Z"),
    actor: actorSchema,
    action: z.enum(LEDGER_ACTIONS),
    subject: subjectSchema,
    /** Why: the decision's reason, the approver's or the exception's stated reason. */
    reason: z.string(),
    /** What changed: `before`/`after` or details, as JSON. */
    change: z.record(z.string(), z.json()),
    controls: controlsSchema,
  })
  .strict();
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/**
 * One sealed ledger record. `hash` is the SHA-256 of the canonical JSON of every other field, and
 * `prevHash` is the previous record's `hash` (the genesis value for the first record), so editing,
 * deleting, inserting or reordering a stored record breaks the chain. Unknown fields are refused.
 */
export const LedgerRecordSchema = LedgerEntrySchema.extend({
  version: z.literal(1),
  seq: z.number().int().positive(),
  prevHash: z.string().regex(HASH),
  hash: z.string().regex(HASH),
}).strict();
export type LedgerRecord = z.infer<typeof LedgerRecordSchema>;

/** The ledger refused an entry or could not be read; the message names the record and the fix. */
export class LedgerError extends VigilError {
  override name = "LedgerError";
}

/** `kind:id` of a subject, as listings and reports show it. */
export function subjectKey(subject: LedgerEntry["subject"]): string {
  return `${subject.kind}:${subject.id}`;
}
