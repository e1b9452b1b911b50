import type { ActiveExceptions } from "../../ports/active-exceptions.ts";
import type { BaselineStore } from "../../ports/baseline-store.ts";
import type { Clock } from "../../ports/clock.ts";
import type { NetworkClassifier } from "../../ports/network-classifier.ts";
import type { PrivilegeAssessment, PrivilegeSource } from "../../ports/privilege-source.ts";
import {
  type IdentityProfile,
  ProfileIndex,
  type SecretProfile,
  type VigilConfig,
} from "../config/compile.ts";
import { secretsReadBy } from "../config/secret-match.ts";
import { describeSource } from "../config/sources.ts";
import { decide } from "../decide/decide.ts";
import type { Detection, DetectionContext, SubjectHistory } from "../detections/detection.ts";
import { subjectKey } from "../detections/detection.ts";
import { readsSecretValues } from "../detections/secret-read-unapproved.ts";
import { type CredentialRef, type CredentialUse, succeeded } from "../event.ts";
import type { ExposureFacts, Finding } from "../finding.ts";
import { planPlaybook } from "../playbooks/catalog.ts";
import type { WeightedSignal } from "../scoring/factor.ts";
import { scoreExposure } from "../scoring/score.ts";

/** The ports an evaluator needs. */
export interface EvaluatorDeps {
  readonly config: VigilConfig;
  readonly detections: readonly Detection[];
  readonly baselines: BaselineStore;
  readonly network: NetworkClassifier;
  readonly clock: Clock;
  /** Privilege from an IAM snapshot; profiles' declared privilege is used when absent or silent. */
  readonly privilege?: PrivilegeSource;
  /** Break-glass exceptions, read at each decision; without them nothing is suppressed. */
  readonly exceptions?: ActiveExceptions;
}

/** What evaluating one use produced. */
export interface Evaluation {
  readonly finding: Finding;
  readonly facts: ExposureFacts;
}

interface SubjectRecord {
  firstSeen: number;
}

const SUBJECTS = "subject";

/**
 * Runs every detection on each credential use in input order, learns from it, and turns the uses on
 * which something fired into scored, decided findings. `learnOnly` builds baselines without findings.
 */
export class Evaluator {
  readonly #profiles: ProfileIndex;
  readonly #secretCache = new Map<string, readonly SecretProfile[]>();
  readonly #learners: readonly Detection[];

  constructor(private readonly deps: EvaluatorDeps) {
    this.#profiles = new ProfileIndex(deps.config.profiles);
    this.#learners = deps.detections.filter((d) => d.learn !== undefined);
  }

  /** Evaluates then learns one use; returns a finding when at least one detection fired. */
  evaluate(use: CredentialUse): Evaluation | undefined {
    const ctx = this.#context(use);
    let signals: WeightedSignal[] | undefined;
    for (const detection of this.deps.detections) {
      const signal = detection.evaluate(use, ctx);
      if (signal === undefined) continue;
      signals ??= [];
      signals.push({ ...signal, weight: signal.weight ?? detection.weight });
    }
    this.#learn(use, ctx);
    return signals === undefined ? undefined : this.#finding(use, ctx, signals);
  }

  /** Learns from a use without evaluating it (`vigil learn`). */
  learn(use: CredentialUse): void {
    this.#learn(use, this.#context(use));
  }

  #context(use: CredentialUse): DetectionContext {
    const { config, baselines, network } = this.deps;
    return {
      config,
      profile: this.#profiles.find(use),
      secrets: this.#secretsOf(use),
      history: this.#history(use),
      baselines,
      network,
    };
  }

  #history(use: CredentialUse): SubjectHistory {
    const record = this.deps.baselines.get<SubjectRecord>(SUBJECTS, subjectKey(use));
    // The first use ever seen has no baseline to compare with, whatever the learning period.
    if (record === undefined || use.eventTime <= record.firstSeen)
      return { firstSeen: use.eventTime, learning: true };
    return {
      firstSeen: record.firstSeen,
      learning: use.eventTime < record.firstSeen + this.deps.config.learningMs,
    };
  }

  #learn(use: CredentialUse, ctx: DetectionContext): void {
    for (const detection of this.#learners) detection.learn!(use, ctx);
    const key = subjectKey(use);
    const record = this.deps.baselines.get<SubjectRecord>(SUBJECTS, key);
    if (record === undefined || use.eventTime < record.firstSeen) {
      this.deps.baselines.set<SubjectRecord>(SUBJECTS, key, { firstSeen: use.eventTime });
    }
  }

  #secretsOf(use: CredentialUse): readonly SecretProfile[] {
    return secretsReadBy(use, this.deps.config.secrets, this.#secretCache);
  }

  #finding(use: CredentialUse, ctx: DetectionContext, signals: WeightedSignal[]): Evaluation {
    signals.sort((a, b) => b.weight - a.weight);
    const secret = signals.some((s) => s.id === "secret-read-unapproved") ? ctx.secrets[0] : undefined;
    const credential: CredentialRef = secret
      ? {
          kind: "secret",
          id: use.secretIds.find((id) => secret.match.some((m) => m.matches(id))) ?? secretIdOf(secret),
        }
      : use.credential;
    const facts: ExposureFacts = {
      signals,
      credential,
      source: use.source,
      network:
        use.source.kind === "ip" && use.source.ip ? this.deps.network.classify(use.source.ip) : undefined,
      secretRead: readsSecretValues(use) && succeeded(use),
      privilege: this.#privilegeOf(use.principal.arn, ctx.profile),
      criticality: secret
        ? { level: secret.criticality, from: `secret profile "${secret.id}"` }
        : ctx.profile && { level: ctx.profile.criticality, from: `profile "${ctx.profile.id}"` },
      principalArn: use.principal.arn,
      profileId: ctx.profile?.id,
      secretId: secret?.id,
    };
    const { score, severity, factors } = scoreExposure(facts);
    const at = this.deps.clock.now();
    const decided = decide(
      {
        severity,
        credential,
        principalArn: use.principal.arn,
        profile: ctx.profile,
        secret,
        signals: signals.map((s) => s.id),
      },
      this.deps.config,
      this.deps.exceptions && { exceptions: this.deps.exceptions.activeAt(at), at },
    );
    const finding: Finding = {
      eventId: use.eventId,
      eventTime: new Date(use.eventTime).toISOString(),
      eventSource: use.eventSource,
      eventName: use.eventName,
      principal: use.principal.arn,
      credential,
      signals: signals.map((s) => s.id),
      reasons: signals.map((s) => ({ signal: s.id, reason: s.reason })),
      score,
      severity,
      factors,
      decision: decided.decision,
      decisionReason: decided.reason,
      playbook:
        decided.playbook === undefined
          ? null
          : planPlaybook(decided.playbook, {
              credential,
              principalArn: use.principal.arn,
              at,
            }),
      source: describeSource(use.source),
      region: use.region,
      origin: use.origin,
    };
    return { finding, facts };
  }

  #privilegeOf(principalArn: string, profile: IdentityProfile | undefined): PrivilegeAssessment | undefined {
    const assessed = this.deps.privilege?.assess(principalArn);
    if (assessed !== undefined) return assessed;
    if (profile?.privilege !== undefined) {
      return { level: profile.privilege, reason: `declared by profile "${profile.id}"` };
    }
    return undefined;
  }
}

/** What a secret read by filter or path is reported as: the profile's first match, without the suffix wildcard. */
function secretIdOf(secret: SecretProfile): string {
  const first = secret.match[0]?.text;
  return first === undefined ? secret.id : first.replace(/-(\*|\?{6})$/, "");
}
