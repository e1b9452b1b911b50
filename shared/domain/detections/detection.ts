import type { BaselineStore } from "../../ports/baseline-store.ts";
import type { NetworkClassifier } from "../../ports/network-classifier.ts";
import type { IdentityProfile, SecretProfile, VigilConfig } from "../config/compile.ts";
import type { CredentialUse } from "../event.ts";
import type { SignalId } from "../vocabulary.ts";
import type { AttackTechniqueId } from "./attack.ts";

/** What a detection found: its signal id and one line a person can read and check. */
export interface Signal {
  readonly id: SignalId;
  readonly reason: string;
  /**
   * Points of this occurrence in the "what happened" factor when they differ from the detection's
   * `weight` (e.g. world-open SSH weighs more than a world-open custom port).
   */
  readonly weight?: number;
}

/** How long vigil has known the credential behind a use (shared by every stateful detection). */
export interface SubjectHistory {
  /** Epoch ms of the first use vigil saw of this credential. */
  readonly firstSeen: number;
  /** True while the credential is inside its learning period: learned detections stay quiet then. */
  readonly learning: boolean;
}

/** Everything a detection may read besides the use itself. */
export interface DetectionContext {
  readonly config: VigilConfig;
  /** The identity profile that declares this credential, if any. */
  readonly profile?: IdentityProfile;
  /** Secret profiles matching the secrets this call touched. */
  readonly secrets: readonly SecretProfile[];
  readonly history: SubjectHistory;
  readonly baselines: BaselineStore;
  readonly network: NetworkClassifier;
}

/**
 * One detection: a stable id, a title, and a pure function from a use (and its context) to a signal
 * or nothing. Learned detections also have `learn`, which folds the use into their baseline after
 * every detection has evaluated it; `evaluate` only reads baselines.
 */
export interface Detection {
  readonly id: SignalId;
  readonly title: string;
  /** Base points of this signal in the "what happened" factor of the exposure score. */
  readonly weight: number;
  /** The MITRE ATT&CK (Enterprise, cloud) techniques this signal is evidence of, e.g. `T1562.008`. */
  readonly attack: readonly AttackTechniqueId[];
  evaluate(use: CredentialUse, ctx: DetectionContext): Signal | undefined;
  learn?(use: CredentialUse, ctx: DetectionContext): void;
}

/** The key learned state is kept under for a use: the key id, the role, the user or the root. */
export function subjectKey(use: CredentialUse): string {
  return use.credential.kind === "access-key" ? use.credential.id : use.principal.arn;
}

/**
 * Groups `eventSource:eventName` keys by event source, e.g. for the EventBridge rules that must deliver
 * exactly the calls a detection judges.
 */
export function apisBySource(keys: Iterable<string>): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const key of keys) {
    const colon = key.indexOf(":");
    const source = key.slice(0, colon);
    const names = grouped[source] ?? [];
    names.push(key.slice(colon + 1));
    grouped[source] = names;
  }
  return grouped;
}
