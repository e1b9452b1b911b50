import type { NetworkClass } from "../../ports/network-classifier.ts";
import type { PrivilegeAssessment } from "../../ports/privilege-source.ts";
import type { Signal } from "../detections/detection.ts";
import type { CredentialRef, UseSource } from "../event.ts";
import type { Criticality } from "../vocabulary.ts";

/** One contribution to an exposure score, shown to people with its points and a one-line reason. */
export interface Factor {
  readonly name: FactorName;
  readonly points: number;
  readonly reason: string;
}

export type FactorName =
  | "what-happened"
  | "privilege"
  | "reachability"
  | "durability"
  | "live-secret"
  | "criticality";

/** A signal with the weight of the detection that raised it. */
export interface WeightedSignal extends Signal {
  readonly weight: number;
}

/**
 * The facts a score is computed from. For one finding they come from one use; for an exposure they are
 * the union (signals) and the worst case (reachability, secret, criticality) of its findings.
 */
export interface ScoreFacts {
  readonly signals: readonly WeightedSignal[];
  readonly credential: CredentialRef;
  readonly source: UseSource;
  /** Where the source address is, when it is an address. */
  readonly network?: NetworkClass;
  /** A secret value was returned to the caller. */
  readonly secretRead: boolean;
  readonly privilege?: PrivilegeAssessment;
  readonly criticality?: { readonly level: Criticality; readonly from: string };
}
