import type * as z from "zod";
import type { PrivilegeLevel } from "../../ports/privilege-source.ts";
import { show, VigilError } from "../errors.ts";
import type { CredentialUse } from "../event.ts";
import type { Criticality } from "../vocabulary.ts";
import { ArnPattern, matchesAny } from "./arn-pattern.ts";
import { type ConfigFile, configSchema, type PolicyConfig } from "./schema.ts";
import { SecretMatcher } from "./secret-match.ts";
import { parseSource, SourceSet } from "./sources.ts";
import { parseClock, type TimeWindow } from "./time-window.ts";

/** A declared machine identity, compiled for matching. */
export interface IdentityProfile {
  readonly id: string;
  readonly roles: readonly ArnPattern[];
  readonly users: readonly ArnPattern[];
  readonly accessKeys: ReadonlySet<string>;
  /** Undefined when the profile declares no sources (then any source is fine). */
  readonly sources?: SourceSet;
  readonly sourceTexts: readonly string[];
  readonly windows?: readonly TimeWindow[];
  readonly regions?: ReadonlySet<string>;
  readonly criticality: Criticality;
  readonly privilege?: PrivilegeLevel;
  readonly owner?: string;
  readonly playbook?: string;
  /** Deploys infrastructure: its resource, role and code changes alone are expected. */
  readonly deployer: boolean;
}

/** A declared secret: who may read it and from where. */
export interface SecretProfile {
  readonly id: string;
  readonly match: readonly SecretMatcher[];
  readonly readers: readonly ArnPattern[];
  readonly sources?: SourceSet;
  readonly sourceTexts: readonly string[];
  readonly criticality: Criticality;
  readonly owner?: string;
  readonly playbook?: string;
}

/** The approval policy: who may approve, for how long a request is open, what happens when it lapses. */
export interface ApprovalPolicy {
  /** Names or `*` patterns over names of the people who may approve. */
  readonly approvers: readonly ArnPattern[];
  /**
   * Per playbook id, who may approve its requests instead of `approvers` (`approvals.playbooks`);
   * read it through `approversFor` (shared/domain/approvals/approvers.ts).
   */
  readonly playbookApprovers: ReadonlyMap<string, readonly ArnPattern[]>;
  /** How long a request stays open, in ms. */
  readonly ttlMs: number;
  /** Playbook ids that need two different approvers. */
  readonly twoPersonFor: ReadonlySet<string>;
  readonly onExpiry: "renotify" | "escalate";
  readonly escalateTo?: string;
}

/** Limits of break-glass exceptions. */
export interface ExceptionPolicy {
  /** The longest an exception or quarantine lift may last, in hours and in ms. */
  readonly maxHours: number;
  readonly maxMs: number;
}

/** The validated, compiled configuration every part of the pipeline reads. */
export interface VigilConfig {
  readonly profiles: readonly IdentityProfile[];
  readonly secrets: readonly SecretProfile[];
  /** The estate's accounts (`accounts`); undefined: only the account a call was made in is ours. */
  readonly accounts?: readonly ArnPattern[];
  readonly policy: PolicyConfig;
  readonly protected: readonly ArnPattern[];
  /** Length of the learning period of a new credential, in ms. */
  readonly learningMs: number;
  readonly learningDays: number;
  readonly vpcEndpoints: ReadonlyMap<string, string>;
  readonly approvals: ApprovalPolicy;
  readonly exceptions: ExceptionPolicy;
}

/** A configuration that cannot be used; `problems` lists every one, each naming profile, field, value and fix. */
export class ConfigError extends VigilError {
  override name = "ConfigError";
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the configuration:\n  - ${problems.join("\n  - ")}`,
      {
        context: { source, problems },
      },
    );
  }
}

/**
 * Validates a parsed config file (JSON or YAML, already read into a value) and compiles it.
 * `playbookIds` are the playbooks a profile may name. Throws ConfigError listing every problem.
 */
export function compileConfig(input: unknown, source: string, playbookIds: readonly string[]): VigilConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success)
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => describeIssue(issue, input)),
    );
  const file = parsed.data;
  const problems = crossChecks(file, playbookIds);
  if (problems.length > 0) throw new ConfigError(source, problems);
  const vpcEndpoints = new Map(Object.entries(file.vpcEndpoints));
  const sourceSet = (texts: readonly string[] | undefined) =>
    texts === undefined ? undefined : new SourceSet(texts.map(parseSource), vpcEndpoints);
  return {
    profiles: file.profiles.map((p) => ({
      id: p.id,
      roles: p.match.roles.map((t) => new ArnPattern(t)),
      users: p.match.users.map((t) => new ArnPattern(t)),
      accessKeys: new Set(p.match.accessKeys),
      sources: sourceSet(p.sources),
      sourceTexts: p.sources ?? [],
      windows: p.windows?.map((w) => ({
        days: w.days,
        fromMinute: parseClock(w.from)!,
        toMinute: parseClock(w.to)!,
        tz: w.tz,
        text: `${w.days.join(",")} ${w.from}–${w.to} ${w.tz}`,
      })),
      regions: p.regions === undefined ? undefined : new Set(p.regions),
      criticality: p.criticality,
      privilege: p.privilege,
      owner: p.owner,
      playbook: p.playbook,
      deployer: p.deployer,
    })),
    secrets: file.secrets.map((s) => ({
      id: s.id,
      match: s.match.map((t) => new SecretMatcher(t)),
      readers: s.readers.map((t) => new ArnPattern(t)),
      sources: sourceSet(s.sources),
      sourceTexts: s.sources ?? [],
      criticality: s.criticality,
      owner: s.owner,
      playbook: s.playbook,
    })),
    accounts: file.accounts?.map((t) => new ArnPattern(t)),
    policy: file.policy,
    protected: file.protected.map((t) => new ArnPattern(t)),
    learningMs: file.learning.days * 86_400_000,
    learningDays: file.learning.days,
    vpcEndpoints,
    approvals: {
      approvers: file.approvals.approvers.map((t) => new ArnPattern(t)),
      playbookApprovers: new Map(
        Object.entries(file.approvals.playbooks).map(([id, p]) => [
          id,
          p.approvers.map((t) => new ArnPattern(t)),
        ]),
      ),
      ttlMs: file.approvals.ttlMinutes * 60_000,
      twoPersonFor: new Set(file.approvals.twoPersonFor),
      onExpiry: file.approvals.onExpiry,
      escalateTo: file.approvals.escalateTo,
    },
    exceptions: {
      maxHours: file.exceptions.maxHours,
      maxMs: Math.round(file.exceptions.maxHours * 3_600_000),
    },
  };
}

function crossChecks(file: ConfigFile, playbookIds: readonly string[]): string[] {
  const problems: string[] = [];
  const known = `valid playbooks are ${playbookIds.join(", ")}`;
  const seen = new Set<string>();
  for (const [i, p] of file.profiles.entries()) {
    if (seen.has(p.id))
      problems.push(`profile ${show(p.id)} (profiles[${i}]): id is used twice; give each profile its own id`);
    seen.add(p.id);
    if (p.playbook !== undefined && !playbookIds.includes(p.playbook)) {
      problems.push(`profile ${show(p.id)}: playbook ${show(p.playbook)} is unknown; ${known}`);
    }
  }
  for (const [i, s] of file.secrets.entries()) {
    if (seen.has(s.id))
      problems.push(`secret ${show(s.id)} (secrets[${i}]): id is used twice; give each profile its own id`);
    seen.add(s.id);
    if (s.playbook !== undefined && !playbookIds.includes(s.playbook)) {
      problems.push(`secret ${show(s.id)}: playbook ${show(s.playbook)} is unknown; ${known}`);
    }
  }
  for (const [kind, policy] of Object.entries(file.policy.kinds)) {
    const playbook = policy?.playbook;
    if (playbook !== undefined && !playbookIds.includes(playbook)) {
      problems.push(`policy.kinds.${kind}.playbook ${show(playbook)} is unknown; ${known}`);
    }
  }
  for (const [i, id] of file.approvals.twoPersonFor.entries()) {
    if (!playbookIds.includes(id)) {
      problems.push(`approvals.twoPersonFor[${i}] ${show(id)} is unknown; ${known}`);
    }
  }
  for (const id of Object.keys(file.approvals.playbooks)) {
    if (!playbookIds.includes(id)) {
      problems.push(`approvals.playbooks ${show(id)} is unknown; ${known}`);
    }
  }
  if (file.approvals.onExpiry === "escalate" && file.approvals.escalateTo === undefined) {
    problems.push(
      'approvals.onExpiry is "escalate" but approvals.escalateTo is missing; name the team or person expired requests go to',
    );
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path;
  let subject = "";
  let rest = path;
  if ((path[0] === "profiles" || path[0] === "secrets") && typeof path[1] === "number") {
    const entry = valueAt(input, path.slice(0, 2));
    const id =
      typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>).id : undefined;
    const noun = path[0] === "profiles" ? "profile" : "secret";
    subject = typeof id === "string" ? `${noun} ${show(id)}: ` : `${path[0]}[${path[1]}] (no id): `;
    rest = path.slice(2);
  }
  const field = formatPath(rest);
  const bad = valueAt(input, path);
  if (issue.code === "unrecognized_keys") {
    const where = field === "" ? "" : `${field} `;
    return `${subject}${where}has unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => show(k)).join(", ")}; check the spelling against the config format in the README`;
  }
  if (bad === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value")) {
    const fix = issue.message.startsWith("Invalid input")
      ? "add it (the config format is in the README)"
      : `it ${issue.message}`;
    return `${subject}${field || "config"} is missing; ${fix}`;
  }
  const value = bad === undefined ? "" : ` ${show(bad)}`;
  return `${subject}${field || "config"}${value} ${issue.message}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path)
    text += typeof key === "number" ? `[${key}]` : text === "" ? String(key) : `.${String(key)}`;
  return text;
}

/** Finds the profile that declares the credential behind a use: by access key id, then role or user ARN. */
export class ProfileIndex {
  /** Per credential id: the principal it was looked up for and the profile found (null: none). */
  readonly #cache = new Map<string, { readonly arn: string; readonly profile: IdentityProfile | null }>();

  constructor(private readonly profiles: readonly IdentityProfile[]) {}

  find(use: Pick<CredentialUse, "credential" | "principal">): IdentityProfile | undefined {
    const cached = this.#cache.get(use.credential.id);
    if (cached !== undefined && cached.arn === use.principal.arn) return cached.profile ?? undefined;
    const profile = this.#lookup(use) ?? null;
    if (this.#cache.size > 100_000) this.#cache.clear();
    this.#cache.set(use.credential.id, { arn: use.principal.arn, profile });
    return profile ?? undefined;
  }

  #lookup(use: Pick<CredentialUse, "credential" | "principal">): IdentityProfile | undefined {
    const { credential, principal } = use;
    for (const p of this.profiles) {
      if (credential.kind === "access-key" && p.accessKeys.has(credential.id)) return p;
    }
    const isRole = principal.arn.includes(":role/");
    for (const p of this.profiles) {
      if (matchesAny(isRole ? p.roles : p.users, principal.arn)) return p;
    }
    return undefined;
  }
}
