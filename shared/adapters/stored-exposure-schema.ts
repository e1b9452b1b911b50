import * as z from "zod";
import { CREDENTIAL_KINDS, DECISIONS, SEVERITIES, SIGNAL_IDS, STEP_IDS } from "../domain/vocabulary.ts";

/*
 * The exposure SqliteRunStore keeps as each row's JSON `body`, checked whenever it is read back (by the
 * re-decision after an exception ends, and by the console's pages).
 */

const FACTOR_NAMES = [
  "what-happened",
  "privilege",
  "reachability",
  "durability",
  "live-secret",
  "criticality",
] as const;

const reason = z.object({ signal: z.enum(SIGNAL_IDS), reason: z.string() });

/** An exposure as SqliteRunStore wrote it; fields it may add later are kept as they are. */
export const StoredExposureSchema = z.looseObject({
  credential: z.object({
    kind: z.enum(CREDENTIAL_KINDS),
    id: z.string().min(1),
    accessKeyId: z.string().optional(),
  }),
  principal: z.string(),
  score: z.number(),
  severity: z.enum(SEVERITIES),
  signals: z.array(z.enum(SIGNAL_IDS)),
  findings: z.number(),
  factors: z.array(z.object({ name: z.enum(FACTOR_NAMES), points: z.number(), reason: z.string() })),
  reasons: z.array(reason),
  firstSeen: z.string(),
  lastSeen: z.string(),
  decision: z.enum(DECISIONS),
  decisionReason: z.string(),
  playbook: z
    .object({
      id: z.string(),
      steps: z.array(
        z.object({
          step: z.enum(STEP_IDS),
          target: z.string(),
          params: z.record(z.string(), z.string()),
          description: z.string(),
        }),
      ),
      notes: z.array(z.string()),
    })
    .nullable(),
  owner: z.string().optional(),
});
