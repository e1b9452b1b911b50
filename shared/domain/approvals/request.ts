import * as z from "zod";
import type { ApprovalPolicy } from "../config/compile.ts";
import type { Exposure } from "../finding.ts";
import { PLAYBOOKS } from "../playbooks/catalog.ts";
import { CREDENTIAL_KINDS, SEVERITIES, SIGNAL_IDS, STEP_IDS } from "../vocabulary.ts";
import { approversFor } from "./approvers.ts";

/**
 * An approval request: a `needs-approval` decision waiting for a person. It carries everything an
 * approver needs to decide without looking elsewhere (what would be done, why, the exposure and its
 * reasons, the exact planned steps) and who may decide, until when.
 *
 * Time boundary (epoch ms, from the Clock): a request is open from `createdAt` up to `expiresAt`
 * exclusive: a vote one millisecond before `expiresAt` counts, a vote at `expiresAt` finds it expired.
 */

/** Where a request is: open (`pending`), decided (`approved`, `denied`), or lapsed undecided (`expired`). */
export const APPROVAL_STATUSES = ["pending", "approved", "denied", "expired"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

const vote = z.object({ by: z.string().min(1), reason: z.string().min(1), at: z.number() }).strict();

/** One approval request as stored; parsed with this schema when read back. */
export const ApprovalRequestSchema = z
  .object({
    id: z.string().min(1),
    /** `kind:id` of the credential and the playbook: at most one open request per key. */
    key: z.string().min(1),
    status: z.enum(APPROVAL_STATUSES),
    createdAt: z.number(),
    expiresAt: z.number(),
    /** One line: the playbook and what it acts on. */
    what: z.string(),
    /** The decision's reason. */
    why: z.string(),
    exposure: z
      .object({
        credential: z
          .object({ kind: z.enum(CREDENTIAL_KINDS), id: z.string(), accessKeyId: z.string().optional() })
          .strict(),
        principal: z.string(),
        score: z.number(),
        severity: z.enum(SEVERITIES),
        signals: z.array(z.enum(SIGNAL_IDS)),
        reasons: z.array(z.object({ signal: z.enum(SIGNAL_IDS), reason: z.string() }).strict()),
        firstSeen: z.string(),
        lastSeen: z.string(),
        owner: z.string().optional(),
      })
      .strict(),
    playbook: z
      .object({
        id: z.string(),
        steps: z.array(
          z
            .object({
              step: z.enum(STEP_IDS),
              target: z.string(),
              params: z.record(z.string(), z.string()),
              description: z.string(),
            })
            .strict(),
        ),
        notes: z.array(z.string()),
      })
      .strict(),
    /** Names or `*` patterns of who may decide, copied from its playbook's approvers (see approversFor) when the request was made. */
    approvers: z.array(z.string().min(1)).min(1),
    /** 2 for a playbook under the two-person rule, else 1. */
    requiredApprovals: z.number().int().min(1).max(2),
    /** Approvals given so far (the first of two, under the two-person rule). */
    approvals: z.array(vote),
    /** The final verdict, once there is one. */
    decision: vote.extend({ verdict: z.enum(["approved", "denied"]) }).optional(),
    /** What happens when it expires undecided: sent again as a new request, or escalated. */
    onExpiry: z.enum(["renotify", "escalate"]),
    escalateTo: z.string().optional(),
    /** Set once it is marked expired: its expiry instant, and the request that renewed it. */
    expired: z.object({ at: z.number(), renewedAs: z.string().optional() }).strict().optional(),
    /** The request this one renews, when an expired one was sent again. */
    renewedFrom: z.string().optional(),
    /** The playbook run an approval started. */
    runId: z.string().optional(),
  })
  .strict();
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** The key of an exposure's plan: at most one request is open per key. */
export function requestKey(exposure: Pick<Exposure, "credential" | "playbook">): string {
  return `${exposure.credential.kind}:${exposure.credential.id}|${exposure.playbook?.id ?? "none"}`;
}

/** The request for a `needs-approval` exposure, open from `at` for the policy's time to live. */
export function newApprovalRequest(
  exposure: Exposure,
  policy: ApprovalPolicy,
  at: number,
  id: string,
  renewedFrom?: string,
): ApprovalRequest {
  const playbook = exposure.playbook ?? { id: "notify", steps: [], notes: [] };
  const title = PLAYBOOKS[playbook.id]?.title ?? playbook.id;
  return {
    id,
    key: requestKey(exposure),
    status: "pending",
    createdAt: at,
    expiresAt: at + policy.ttlMs,
    what: `${title} (${playbook.id}) for ${exposure.credential.kind} ${exposure.credential.id} of ${exposure.principal}`,
    why: exposure.decisionReason,
    exposure: {
      credential: { ...exposure.credential },
      principal: exposure.principal,
      score: exposure.score,
      severity: exposure.severity,
      signals: [...exposure.signals],
      reasons: exposure.reasons.map((r) => ({ signal: r.signal, reason: r.reason })),
      firstSeen: exposure.firstSeen,
      lastSeen: exposure.lastSeen,
      ...(exposure.owner === undefined ? {} : { owner: exposure.owner }),
    },
    playbook: {
      id: playbook.id,
      steps: playbook.steps.map((s) => ({ ...s, params: { ...s.params } })),
      notes: [...playbook.notes],
    },
    approvers: approversFor(policy, playbook.id).map((p) => p.text),
    requiredApprovals: policy.twoPersonFor.has(playbook.id) ? 2 : 1,
    approvals: [],
    onExpiry: policy.onExpiry,
    ...(policy.escalateTo === undefined ? {} : { escalateTo: policy.escalateTo }),
    ...(renewedFrom === undefined ? {} : { renewedFrom }),
  };
}

/** The request marked expired at its expiry instant. */
export function markExpired(request: ApprovalRequest): ApprovalRequest {
  return { ...request, status: "expired", expired: { at: request.expiresAt } };
}

/** The status as of `at`: a pending request past its expiry is `expired` even before anything marks it. */
export function statusAt(request: ApprovalRequest, at: number): ApprovalStatus {
  return request.status === "pending" && at >= request.expiresAt ? "expired" : request.status;
}
