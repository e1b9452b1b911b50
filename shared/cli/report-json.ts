import type { Exposure, Finding } from "../domain/finding.ts";
import type { ReplayResult } from "../domain/pipeline/replay.ts";

/** A finding as the CLI contract of DESIGN.md spells it, plus `reasons`, `source` and `origin`. */
function findingJson(f: Finding) {
  return {
    eventId: f.eventId,
    eventTime: f.eventTime,
    eventSource: f.eventSource,
    eventName: f.eventName,
    principal: f.principal,
    credential: f.credential,
    signals: f.signals,
    score: f.score,
    severity: f.severity,
    factors: f.factors,
    decision: f.decision,
    playbook: f.playbook,
    reasons: f.reasons,
    decisionReason: f.decisionReason,
    source: f.source,
    region: f.region,
    origin: f.origin,
  };
}

function exposureJson(e: Exposure) {
  return {
    credential: e.credential,
    principal: e.principal,
    score: e.score,
    severity: e.severity,
    signals: e.signals,
    findings: e.findings,
    factors: e.factors,
    reasons: e.reasons,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    decision: e.decision,
    decisionReason: e.decisionReason,
    playbook: e.playbook,
    owner: e.owner,
  };
}

/**
 * The one JSON document `vigil replay --json` prints: `summary`, `rejected`, `findings`, `exposures`
 * exactly as the CLI contract names them. Extra fields only add detail; none is renamed.
 */
export function replayJson(result: ReplayResult) {
  const { records, rejected, findings, exposures } = result.summary;
  return {
    summary: { records, rejected, findings, exposures },
    rejected: result.rejected,
    findings: result.findings.map(findingJson),
    exposures: result.exposures.map(exposureJson),
  };
}
