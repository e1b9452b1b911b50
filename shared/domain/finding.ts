import type { DecisionResult } from "./decide/decide.ts";
import type { CredentialRef, RecordOrigin } from "./event.ts";
import type { PlannedPlaybook } from "./playbooks/catalog.ts";
import type { Factor, ScoreFacts } from "./scoring/factor.ts";
import type { Severity, SignalId } from "./vocabulary.ts";

/** One credential use on which at least one detection fired, scored and decided. */
export interface Finding {
  readonly eventId: string;
  /** ISO 8601. */
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly principal: string;
  readonly credential: CredentialRef;
  readonly signals: readonly SignalId[];
  /** One line per signal: why it fired. */
  readonly reasons: ReadonlyArray<{ readonly signal: SignalId; readonly reason: string }>;
  readonly score: number;
  readonly severity: Severity;
  readonly factors: readonly Factor[];
  readonly decision: DecisionResult["decision"];
  readonly decisionReason: string;
  readonly playbook: PlannedPlaybook | null;
  readonly source: string;
  readonly region?: string;
  readonly origin?: RecordOrigin;
}

/** The current risk of one credential, built from all its findings. */
export interface Exposure {
  readonly credential: CredentialRef;
  readonly principal: string;
  readonly score: number;
  readonly severity: Severity;
  readonly signals: readonly SignalId[];
  readonly findings: number;
  readonly factors: readonly Factor[];
  /** The first reason of each signal, strongest signal first. */
  readonly reasons: ReadonlyArray<{ readonly signal: SignalId; readonly reason: string }>;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly decision: DecisionResult["decision"];
  readonly decisionReason: string;
  readonly playbook: PlannedPlaybook | null;
  /** Owner declared by the profile, if any. */
  readonly owner?: string;
}

/** What an exposure keeps between findings to be re-scored as a whole. */
export interface ExposureFacts extends ScoreFacts {
  readonly principalArn: string;
  readonly profileId?: string;
  readonly secretId?: string;
}
