import type { ActiveExceptions } from "../../ports/active-exceptions.ts";
import type { Clock } from "../../ports/clock.ts";
import type { VigilConfig } from "../config/compile.ts";
import { decide } from "../decide/decide.ts";
import type { Exposure, ExposureFacts, Finding } from "../finding.ts";
import { planPlaybook } from "../playbooks/catalog.ts";
import type { WeightedSignal } from "../scoring/factor.ts";
import { reachability } from "../scoring/factors/reachability.ts";
import { scoreExposure } from "../scoring/score.ts";
import { severityRank } from "../vocabulary.ts";

interface Entry {
  facts: ExposureFacts;
  signals: Map<string, WeightedSignal>;
  findings: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * Aggregates findings per credential into exposures: the union of their signals, the worst
 * reachability, whether any secret value was read, the highest criticality. Scored and decided as a
 * whole when ranked, so three weak signals on one key outrank one on another.
 */
export class ExposureBook {
  readonly #entries = new Map<string, Entry>();

  /** `exceptions`: break-glass exceptions, read when the exposures are ranked (decided). */
  constructor(
    private readonly config: VigilConfig,
    private readonly clock: Clock,
    private readonly exceptions?: ActiveExceptions,
  ) {}

  add(finding: Finding, facts: ExposureFacts): void {
    const key = `${facts.credential.kind}|${facts.secretId ?? facts.credential.id}`;
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      const signals = new Map<string, WeightedSignal>();
      for (const s of facts.signals) if (!signals.has(s.id)) signals.set(s.id, s);
      this.#entries.set(key, {
        facts,
        signals,
        findings: 1,
        firstSeen: finding.eventTime,
        lastSeen: finding.eventTime,
      });
      return;
    }
    for (const s of facts.signals) if (!entry.signals.has(s.id)) entry.signals.set(s.id, s);
    entry.findings += 1;
    if (finding.eventTime < entry.firstSeen) entry.firstSeen = finding.eventTime;
    if (finding.eventTime > entry.lastSeen) entry.lastSeen = finding.eventTime;
    const worse = reachability(facts).points > reachability(entry.facts).points;
    const critical =
      facts.criticality !== undefined &&
      (entry.facts.criticality === undefined ||
        severityRank(facts.criticality.level) > severityRank(entry.facts.criticality.level));
    entry.facts = {
      ...entry.facts,
      source: worse ? facts.source : entry.facts.source,
      network: worse ? facts.network : entry.facts.network,
      secretRead: entry.facts.secretRead || facts.secretRead,
      criticality: critical ? facts.criticality : entry.facts.criticality,
      privilege: entry.facts.privilege ?? facts.privilege,
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Exposures, highest score first (ties: more findings, then most recent). */
  ranked(): Exposure[] {
    const exposures: Exposure[] = [];
    const at = this.clock.now();
    const check = this.exceptions && { exceptions: this.exceptions.activeAt(at), at };
    for (const entry of this.#entries.values()) {
      const signals = [...entry.signals.values()].sort((a, b) => b.weight - a.weight);
      const facts = { ...entry.facts, signals };
      const { score, severity, factors } = scoreExposure(facts);
      const profile = this.config.profiles.find((p) => p.id === facts.profileId);
      const secret = this.config.secrets.find((s) => s.id === facts.secretId);
      const decided = decide(
        {
          severity,
          credential: facts.credential,
          principalArn: facts.principalArn,
          profile,
          secret,
          signals: signals.map((s) => s.id),
        },
        this.config,
        check,
      );
      exposures.push({
        credential: facts.credential,
        principal: facts.principalArn,
        score,
        severity,
        signals: signals.map((s) => s.id),
        findings: entry.findings,
        factors,
        reasons: signals.map((s) => ({ signal: s.id, reason: s.reason })),
        firstSeen: entry.firstSeen,
        lastSeen: entry.lastSeen,
        decision: decided.decision,
        decisionReason: decided.reason,
        playbook:
          decided.playbook === undefined
            ? null
            : planPlaybook(decided.playbook, {
                credential: facts.credential,
                principalArn: facts.principalArn,
                at,
              }),
        owner: secret?.owner ?? profile?.owner,
      });
    }
    return exposures.sort(
      (a, b) => b.score - a.score || b.findings - a.findings || b.lastSeen.localeCompare(a.lastSeen),
    );
  }
}
