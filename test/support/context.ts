import { MemoryBaselines } from "../../shared/domain/baseline/memory-baselines.ts";
import { compileConfig, ProfileIndex, type VigilConfig } from "../../shared/domain/config/compile.ts";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import { secretsReadBy } from "../../shared/domain/config/secret-match.ts";
import type { DetectionContext, SubjectHistory } from "../../shared/domain/detections/detection.ts";
import type { CredentialUse } from "../../shared/domain/event.ts";
import { PLAYBOOK_IDS } from "../../shared/domain/playbooks/catalog.ts";
import type { NetworkClass, NetworkClassifier } from "../../shared/ports/network-classifier.ts";

/** Compiles a config for a test; throws ConfigError like the CLI would. */
export function configOf(input: ConfigInput = {}): VigilConfig {
  return compileConfig(input, "test-config", PLAYBOOK_IDS);
}

/** A network classifier that knows only the addresses a test names; others are public. */
export function fakeNetwork(known: Record<string, NetworkClass> = {}): NetworkClassifier {
  return {
    classify: (ip) => known[ip] ?? (ip.startsWith("10.") || ip.startsWith("192.168.") ? "private" : "public"),
  };
}

/** Builds the context a detection sees for `use`, with the profile the config declares for it. */
export function contextFor(
  use: CredentialUse,
  options: {
    config?: VigilConfig;
    baselines?: MemoryBaselines;
    history?: Partial<SubjectHistory>;
    network?: NetworkClassifier;
  } = {},
): DetectionContext {
  const config = options.config ?? configOf();
  return {
    config,
    profile: new ProfileIndex(config.profiles).find(use),
    secrets: secretsReadBy(use, config.secrets),
    history: { firstSeen: 0, learning: false, ...options.history },
    baselines: options.baselines ?? new MemoryBaselines(),
    network: options.network ?? fakeNetwork(),
  };
}
