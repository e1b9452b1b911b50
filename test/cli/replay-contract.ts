import { z } from "zod";
import {
  CREDENTIAL_KINDS,
  DECISIONS,
  SEVERITIES,
  SIGNAL_IDS,
  STEP_IDS,
} from "../../shared/domain/vocabulary.ts";

/**
 * The JSON document of `vigil replay --json`, exactly as DESIGN.md's CLI contract spells it. Extra
 * fields are allowed (the contract only adds), missing or mistyped ones are not.
 */
const credential = z.object({ kind: z.enum(CREDENTIAL_KINDS), id: z.string().min(1) });
const severity = z.enum(SEVERITIES);
const score = z.number().int().min(0).max(100);

export const replayContract = z.object({
  summary: z.object({
    records: z.number().int().min(0),
    rejected: z.number().int().min(0),
    findings: z.number().int().min(0),
    exposures: z.number().int().min(0),
  }),
  rejected: z.array(
    z.object({
      index: z.number().int().min(0),
      source: z.string().regex(/:\d+$/),
      error: z.string().min(10),
    }),
  ),
  findings: z.array(
    z.object({
      eventId: z.string().min(1),
      eventTime: z.iso.datetime(),
      eventSource: z.string(),
      eventName: z.string(),
      principal: z.string().min(1),
      credential,
      signals: z.array(z.enum(SIGNAL_IDS)).min(1),
      score,
      severity,
      factors: z
        .array(z.object({ name: z.string(), points: z.number().int().min(0), reason: z.string().min(1) }))
        .min(1),
      decision: z.enum(DECISIONS),
      playbook: z
        .object({
          id: z.string(),
          steps: z.array(z.object({ step: z.enum(STEP_IDS), target: z.string() }).loose()).min(1),
        })
        .loose()
        .nullable(),
    }),
  ),
  exposures: z.array(
    z.object({
      credential,
      principal: z.string().min(1),
      score,
      severity,
      signals: z.array(z.enum(SIGNAL_IDS)).min(1),
      findings: z.number().int().min(1),
    }),
  ),
});
