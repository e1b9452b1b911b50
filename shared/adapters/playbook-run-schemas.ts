import * as z from "zod";
import { STEP_IDS } from "../domain/vocabulary.ts";

/**
 * The zod schemas both playbook-run stores (SQLite and DynamoDB) read their stored JSON back with: a
 * stored run is data from disk or the network, checked at the edge like any other input.
 */
const stepResult = z.object({
  changed: z.boolean(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
});

export const stepRecord = z.object({
  index: z.number().int(),
  step: z.enum(STEP_IDS),
  target: z.string(),
  params: z.record(z.string(), z.string()),
  destructive: z.boolean(),
  status: z.enum(["pending", "running", "applied", "already-done", "not-found", "blocked", "failed"]),
  attempts: z.number().int(),
  reason: z.string().optional(),
  escalate: z.boolean().optional(),
  result: stepResult.optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  undo: z
    .object({
      status: z.enum(["undone", "not-needed", "irreversible", "not-found", "failed"]),
      reason: z.string(),
      result: stepResult.optional(),
      at: z.number(),
    })
    .optional(),
});

export const runStatus = z.enum(["running", "completed", "blocked", "failed", "undone"]);
export const killSwitch = z.object({ reason: z.string(), since: z.number() });
