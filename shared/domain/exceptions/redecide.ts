import type { ActiveExceptions } from "../../ports/active-exceptions.ts";
import type { ExceptionStore } from "../../ports/exception-store.ts";
import type { StoredExposures } from "../../ports/stored-exposures.ts";
import { ProfileIndex, type VigilConfig } from "../config/compile.ts";
import { decide, suppressingExceptionId } from "../decide/decide.ts";
import type { Exposure } from "../finding.ts";
import { planPlaybook } from "../playbooks/catalog.ts";
import type { BreakGlassException } from "./exception.ts";
import { activeExceptionsSnapshot } from "./snapshot.ts";

/** The ports re-deciding needs. */
export interface RedecideDeps {
  readonly config: VigilConfig;
  readonly exposures: StoredExposures;
  /** Where the exceptions still in force are read, once per re-decision of an ended exception. */
  readonly exceptions: Pick<ExceptionStore, "activeAt">;
}

/**
 * Decides one stored exposure again at `at`: the same severity, signals, profile and policy, with the
 * exceptions in force at `at`; the playbook is planned again at `at`.
 */
export function redecide(
  exposure: Exposure,
  config: VigilConfig,
  active: ActiveExceptions,
  at: number,
): Exposure {
  const { credential } = exposure;
  const profile = new ProfileIndex(config.profiles).find({
    credential,
    principal: { type: "stored-exposure", arn: exposure.principal },
  });
  const secret =
    credential.kind === "secret"
      ? config.secrets.find((s) => s.match.some((m) => m.matches(credential.id)))
      : undefined;
  const decided = decide(
    {
      severity: exposure.severity,
      credential,
      principalArn: exposure.principal,
      profile,
      secret,
      signals: exposure.signals,
    },
    config,
    { exceptions: active.activeAt(at), at },
  );
  return {
    ...exposure,
    decision: decided.decision,
    decisionReason: decided.reason,
    playbook:
      decided.playbook === undefined
        ? null
        : planPlaybook(decided.playbook, { credential, principalArn: exposure.principal, at }),
  };
}

/**
 * When `ended` has ended (expired or revoked), decides again every stored exposure it kept from being
 * acted on, at `at`, and stores the new decisions. An exposure a newer replay has meanwhile replaced is
 * left to that replay. Returns the exposures as re-decided and stored.
 */
export async function redecideSuppressed(
  ended: BreakGlassException,
  at: number,
  deps: RedecideDeps,
): Promise<Exposure[]> {
  const changed: Exposure[] = [];
  const kept = (await deps.exposures.suppressed()).filter((e) => suppressingExceptionId(e) === ended.id);
  if (kept.length === 0) return changed;
  const active = activeExceptionsSnapshot(await deps.exceptions.activeAt(at));
  for (const exposure of kept) {
    const next = redecide(exposure, deps.config, active, at);
    if (await deps.exposures.replace(exposure, next)) changed.push(next);
  }
  return changed;
}
