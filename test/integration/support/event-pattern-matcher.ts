import { spawnSync } from "node:child_process";
import { inject } from "vitest";

/** Reads (pattern, event) pairs as JSON on stdin; prints one true/false per pair, as moto's EventBridge decides. */
const MATCHER = `
import json, sys
from moto.events.models import EventPattern
pairs = json.load(sys.stdin)
print(json.dumps([EventPattern.load(json.dumps(p)).matches_event(e) for p, e in pairs]))
`;

/**
 * Whether each event matches each pattern, by moto's implementation of EventBridge pattern matching
 * (prefix, suffix, wildcard, exists, anything-but, `$or`), run in the moto environment's Python:
 * moto's server does not answer TestEventPattern, but its event bus matches rules with this code.
 */
export function eventPatternMatches(pairs: ReadonlyArray<readonly [unknown, unknown]>): boolean[] {
  const python = inject("motoPython");
  if (!python)
    throw new Error("no moto environment: integration tests need test/setup/moto.ts as vitest globalSetup");
  const run = spawnSync(python, ["-c", MATCHER], {
    input: JSON.stringify(pairs),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`moto's pattern matcher failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as boolean[];
}
