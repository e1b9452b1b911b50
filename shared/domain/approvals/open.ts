import type { ApprovalStore } from "../../ports/approval-store.ts";
import type { Clock } from "../../ports/clock.ts";
import type { LedgerStore } from "../../ports/ledger-store.ts";
import type { Notification, Notifier } from "../../ports/notifier.ts";
import type { ApprovalPolicy } from "../config/compile.ts";
import type { Exposure } from "../finding.ts";
import { issueApprovalLinks, linkLines } from "../signed-links/issue-links.ts";
import { requestedEntry } from "./records.ts";
import { type ApprovalRequest, newApprovalRequest } from "./request.ts";

/** The ports opening requests needs. */
export interface ApprovalDeps {
  readonly approvals: ApprovalStore;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly policy: ApprovalPolicy;
  readonly notifier: Notifier;
  /**
   * Signs approve and deny links into each request's notification, for the approvers named without
   * wildcards (see issueApprovalLinks): the key that signs them and where the approvals API answers.
   * Without it, notifications only say how to decide with the CLI or the API.
   */
  readonly links?: {
    /** The key that signs them; read when first needed (a deployment keeps it in Secrets Manager). */
    readonly key: () => Promise<Buffer>;
    readonly baseUrl: string;
  };
}

const iso = (at: number) => new Date(at).toISOString();

/** The notification that asks the approvers to decide: what, why, the steps, until when, and how. */
export function requestNotification(request: ApprovalRequest, lead = "approval needed") {
  const steps = request.playbook.steps.map((s, i) => `  ${i + 1}. ${s.step} ${s.target}: ${s.description}`);
  const two = request.requiredApprovals === 2 ? " (two different approvers needed)" : "";
  return {
    subject: `vigil: ${lead}: ${request.playbook.id} for ${request.exposure.credential.id}`.slice(0, 100),
    message: [
      `${request.what}`,
      `why: ${request.why}`,
      `exposure: ${request.exposure.severity} (${request.exposure.score}) — ${request.exposure.reasons.map((r) => `${r.signal}: ${r.reason}`).join("; ")}`,
      "steps:",
      ...steps,
      `who may approve: ${request.approvers.join(", ")}${two}`,
      `expires: ${iso(request.expiresAt)}`,
      `approve: vigil approvals approve ${request.id} --by NAME --reason TEXT`,
      `deny:    vigil approvals deny ${request.id} --by NAME --reason TEXT`,
    ].join("\n"),
  };
}

/**
 * The notification announcing an open request (see requestNotification), with its signed links when
 * `deps.links` is set: one approve and one deny link per concrete approver, issued at the clock's now.
 */
export async function announcement(
  request: ApprovalRequest,
  deps: Pick<ApprovalDeps, "policy" | "clock" | "links">,
  lead?: string,
): Promise<Notification> {
  const notice = requestNotification(request, lead);
  if (deps.links === undefined) return notice;
  const secret = await deps.links.key();
  const lines = linkLines(
    issueApprovalLinks(request, {
      policy: deps.policy,
      secret,
      baseUrl: deps.links.baseUrl,
      now: deps.clock.now(),
    }),
  );
  return lines.length === 0 ? notice : { ...notice, message: [notice.message, "", ...lines].join("\n") };
}

/**
 * Opens an approval request for each `needs-approval` exposure, unless one is already open for the
 * same credential and playbook; records `approval-requested` and notifies the approvers for each new
 * one (with signed links when `deps.links` is set, see announcement). Returns every exposure's open request, new or not.
 */
export async function requestApprovals(
  exposures: readonly Exposure[],
  deps: ApprovalDeps,
): Promise<Array<{ readonly request: ApprovalRequest; readonly created: boolean }>> {
  const opened: Array<{ request: ApprovalRequest; created: boolean }> = [];
  for (const exposure of exposures) {
    if (exposure.decision !== "needs-approval" || exposure.playbook === null) continue;
    const at = deps.clock.now();
    const result = await deps.approvals.open(newApprovalRequest(exposure, deps.policy, at, deps.newId()), at);
    if (result.created) {
      await deps.ledger.append([requestedEntry(result.request)]);
      await deps.notifier.publish(await announcement(result.request, deps));
    }
    opened.push(result);
  }
  return opened;
}
