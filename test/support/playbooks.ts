import type { VigilConfig } from "../../shared/domain/config/compile.ts";
import { NoSuchEntityError } from "../../shared/domain/playbooks/errors.ts";
import type { ExecutorDeps } from "../../shared/domain/playbooks/executor.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type {
  AccessKeyStatus,
  AttachedPolicy,
  IamGateway,
  IamPrincipal,
  RoleInfo,
} from "../../shared/ports/iam-gateway.ts";
import type { Notification, Notifier } from "../../shared/ports/notifier.ts";
import type {
  KillSwitch,
  PlaybookRunStore,
  RunRecord,
  RunStatus,
  StepRecord,
} from "../../shared/ports/playbook-run-store.ts";
import type { SecretDescription, SecretsGateway } from "../../shared/ports/secrets-gateway.ts";

/** An in-memory PlaybookRunStore with the SQLite store's semantics (deep copies, atomic claims). */
export class MemoryPlaybookRunStore implements PlaybookRunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly locks = new Map<string, { runId: string; expiresAt: number }>();
  readonly actions: Array<{ account: string; runId: string; index: number; at: number }> = [];
  kill: KillSwitch | undefined;

  async createRun(run: RunRecord) {
    this.runs.set(run.id, structuredClone(run));
  }
  async getRun(id: string) {
    const run = this.runs.get(id);
    return run === undefined ? undefined : structuredClone(run);
  }
  async findUnfinished(key: string) {
    const run = [...this.runs.values()].find((r) => r.key === key && r.status === "running");
    return run === undefined ? undefined : structuredClone(run);
  }
  async saveStep(runId: string, step: StepRecord, at: number) {
    const run = this.runs.get(runId)!;
    const steps = [...run.steps];
    steps[step.index] = structuredClone(step);
    this.runs.set(runId, { ...run, steps, updatedAt: at });
  }
  async setRunStatus(runId: string, status: RunStatus, at: number) {
    this.runs.set(runId, { ...this.runs.get(runId)!, status, updatedAt: at });
  }
  async acquireLock(subject: string, runId: string, now: number, ttlMs: number) {
    const held = this.locks.get(subject);
    if (held !== undefined && held.runId !== runId && held.expiresAt > now) return held.runId;
    this.locks.set(subject, { runId, expiresAt: now + ttlMs });
    return undefined;
  }
  async releaseLock(subject: string, runId: string) {
    if (this.locks.get(subject)?.runId === runId) this.locks.delete(subject);
  }
  async claimAction(account: string, runId: string, index: number, at: number, since: number, cap: number) {
    const used = this.actions.filter((a) => a.account === account && a.at >= since).length;
    if (this.actions.some((a) => a.runId === runId && a.index === index)) return { granted: true, used };
    if (used >= cap) return { granted: false, used };
    this.actions.push({ account, runId, index, at });
    return { granted: true, used: used + 1 };
  }
  async killSwitch() {
    return this.kill;
  }
  async setKillSwitch(state: KillSwitch | undefined) {
    this.kill = state;
  }
}

const key = (p: IamPrincipal) => `${p.kind}/${p.name}`;

/** One call a fake gateway received, for asserting what changed and how often. */
export type Call = readonly [operation: string, ...args: unknown[]];

/**
 * An in-memory IAM account: users with keys, roles, inline and attached policies, tags. `calls` lists
 * every mutating call; `failNext(operation, error)` makes the next calls of an operation fail.
 */
export class FakeIam implements IamGateway {
  readonly keys = new Map<string, Map<string, AccessKeyStatus>>();
  readonly roles = new Map<string, RoleInfo>();
  readonly inline = new Map<string, Map<string, string>>();
  readonly attached = new Map<string, AttachedPolicy[]>();
  readonly tags = new Map<string, Record<string, string>>();
  readonly policies = new Map<string, string>();
  readonly calls: Call[] = [];
  readonly #failures: Array<{ operation: string; error: () => Error }> = [];

  addUser(name: string, keys: Record<string, AccessKeyStatus> = {}): this {
    this.keys.set(name, new Map(Object.entries(keys)));
    this.#principal({ kind: "user", name });
    return this;
  }

  addRole(name: string, path = "/"): this {
    this.roles.set(name, {
      arn: `arn:aws:iam::111122223333:role${path}${name}`,
      path,
      serviceLinked: path.startsWith("/aws-service-role/"),
    });
    this.#principal({ kind: "role", name });
    return this;
  }

  /** The next `times` calls of `operation` throw `error()`. */
  failNext(operation: string, error: () => Error, times = 1): this {
    for (let i = 0; i < times; i++) this.#failures.push({ operation, error });
    return this;
  }

  /** Mutating calls of one operation. */
  count(operation: string): number {
    return this.calls.filter(([op]) => op === operation).length;
  }

  #principal(p: IamPrincipal) {
    this.inline.set(key(p), new Map());
    this.attached.set(key(p), []);
    this.tags.set(key(p), {});
  }

  #check(operation: string, p?: IamPrincipal) {
    const failure = this.#failures.findIndex((f) => f.operation === operation);
    if (failure >= 0) {
      const [f] = this.#failures.splice(failure, 1);
      throw f!.error();
    }
    if (p !== undefined && !this.inline.has(key(p))) {
      throw new NoSuchEntityError(
        operation,
        "NoSuchEntity",
        `The ${p.kind} with name ${p.name} cannot be found.`,
      );
    }
  }

  async getAccessKeyStatus(userName: string, accessKeyId: string) {
    this.#check("ListAccessKeys", { kind: "user", name: userName });
    const status = this.keys.get(userName)?.get(accessKeyId);
    if (status === undefined)
      throw new NoSuchEntityError("ListAccessKeys", "NoSuchEntity", `no key ${accessKeyId}`);
    return status;
  }
  async updateAccessKeyStatus(userName: string, accessKeyId: string, status: AccessKeyStatus) {
    this.#check("UpdateAccessKey", { kind: "user", name: userName });
    this.calls.push(["UpdateAccessKey", userName, accessKeyId, status]);
    this.keys.get(userName)!.set(accessKeyId, status);
  }
  async getRole(roleName: string) {
    this.#check("GetRole", { kind: "role", name: roleName });
    return this.roles.get(roleName)!;
  }
  async listInlinePolicies(p: IamPrincipal) {
    this.#check("ListPolicies", p);
    return [...this.inline.get(key(p))!.keys()];
  }
  async getInlinePolicy(p: IamPrincipal, name: string) {
    this.#check("GetPolicy", p);
    return this.inline.get(key(p))!.get(name);
  }
  async putInlinePolicy(p: IamPrincipal, name: string, document: string) {
    this.#check("PutPolicy", p);
    this.calls.push(["PutPolicy", key(p), name]);
    this.inline.get(key(p))!.set(name, document);
  }
  async deleteInlinePolicy(p: IamPrincipal, name: string) {
    this.#check("DeletePolicy", p);
    this.calls.push(["DeletePolicy", key(p), name]);
    this.inline.get(key(p))!.delete(name);
  }
  async listAttachedPolicies(p: IamPrincipal) {
    this.#check("ListAttached", p);
    return [...this.attached.get(key(p))!];
  }
  async attachPolicy(p: IamPrincipal, arn: string) {
    this.#check("Attach", p);
    this.calls.push(["Attach", key(p), arn]);
    const list = this.attached.get(key(p))!;
    if (!list.some((a) => a.arn === arn)) list.push({ arn, name: arn.slice(arn.lastIndexOf("/") + 1) });
  }
  async detachPolicy(p: IamPrincipal, arn: string) {
    this.#check("Detach", p);
    const list = this.attached.get(key(p))!;
    const at = list.findIndex((a) => a.arn === arn);
    if (at < 0) throw new NoSuchEntityError("Detach", "NoSuchEntity", `${arn} is not attached`);
    this.calls.push(["Detach", key(p), arn]);
    list.splice(at, 1);
  }
  async createPolicy(name: string, path: string, document: string) {
    this.#check("CreatePolicy");
    const arn = `arn:aws:iam::111122223333:policy${path}${name}`;
    this.calls.push(["CreatePolicy", arn]);
    this.policies.set(arn, document);
    return arn;
  }
  async deletePolicy(arn: string) {
    this.#check("DeletePolicy");
    this.calls.push(["DeleteManagedPolicy", arn]);
    this.policies.delete(arn);
  }
  async listTags(p: IamPrincipal) {
    this.#check("ListTags", p);
    return { ...this.tags.get(key(p))! };
  }
  async tag(p: IamPrincipal, tags: Readonly<Record<string, string>>) {
    this.#check("Tag", p);
    this.calls.push(["Tag", key(p), { ...tags }]);
    Object.assign(this.tags.get(key(p))!, tags);
  }
  async untag(p: IamPrincipal, keys: readonly string[]) {
    this.#check("Untag", p);
    this.calls.push(["Untag", key(p), [...keys]]);
    for (const k of keys) delete this.tags.get(key(p))![k];
  }
}

/** Secrets with their version stages; rotation promotes a new version immediately. */
export class FakeSecrets implements SecretsGateway {
  readonly secrets = new Map<string, { rotationEnabled: boolean; versions: Record<string, string[]> }>();
  rotations = 0;

  add(name: string, rotationEnabled = true): this {
    this.secrets.set(name, { rotationEnabled, versions: { v1: ["AWSCURRENT"] } });
    return this;
  }
  async describeSecret(id: string): Promise<SecretDescription> {
    const secret = this.secrets.get(id);
    if (secret === undefined)
      throw new NoSuchEntityError("DescribeSecret", "ResourceNotFoundException", `no ${id}`);
    return {
      arn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${id}-AbCdEf`,
      name: id,
      ...structuredClone(secret),
    };
  }
  async rotateSecret(id: string, token: string) {
    const secret = this.secrets.get(id)!;
    this.rotations++;
    for (const [version, stages] of Object.entries(secret.versions)) {
      secret.versions[version] = stages.includes("AWSCURRENT")
        ? ["AWSPREVIOUS"]
        : stages.filter((s) => s !== "AWSPREVIOUS");
    }
    secret.versions[token] = ["AWSCURRENT"];
    return token;
  }
}

/** Keeps every published notification. */
export class FakeNotifier implements Notifier {
  readonly sent: Notification[] = [];
  async publish(notification: Notification) {
    this.sent.push(notification);
    return `message-${this.sent.length}`;
  }
}

/**
 * An executor on fakes, as the on-call tests use it: IAM, Secrets Manager, SNS and the run store in
 * memory, run ids `run-1`, `run-2`…, no waiting between retries, fixed jitter.
 */
export function fakeExecutor(parts: {
  readonly config: VigilConfig;
  readonly clock: Clock;
  readonly iam: FakeIam;
  readonly notifier: FakeNotifier;
  readonly runs: MemoryPlaybookRunStore;
}): ExecutorDeps {
  let n = 0;
  return {
    iam: parts.iam,
    secrets: new FakeSecrets(),
    notifier: parts.notifier,
    store: parts.runs,
    clock: parts.clock,
    newId: () => `run-${++n}`,
    sleep: async () => {},
    random: () => 0.5,
    guards: { config: parts.config },
  };
}
