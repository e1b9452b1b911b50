import { VigilError } from "../domain/errors.ts";
import type { BaselineStore } from "../ports/baseline-store.ts";
import type { BaselineRef, BaselineWrite, VersionedBaseline } from "../ports/event-state-store.ts";
import { refId } from "../ports/event-state-store.ts";

/** A detection read a baseline that was not loaded for the batch: its key depends on learned state. */
export class BaselineNotLoadedError extends VigilError {
  override name = "BaselineNotLoadedError";
}

interface Entry {
  readonly namespace: string;
  readonly key: string;
  value: unknown;
  /** JSON of the value as last set or loaded; undefined while absent. */
  json: string | undefined;
  /** The persisted version; undefined when absent from the store. */
  version: string | undefined;
  dirty: boolean;
}

/** How often one namespace's values were set, and how often that changed nothing. */
export interface NamespaceWrites {
  sets: number;
  unchanged: number;
}

/**
 * The BaselineStore of one batch in a function: a working set loaded from the durable store for the
 * baselines the batch needs ({@link prime}), read and written synchronously by the detections, and
 * written back afterwards — only the values whose JSON actually changed ({@link pending}), each with
 * the version it was read at, so a concurrent writer is detected instead of overwritten. Reading a
 * value that was not loaded throws {@link BaselineNotLoadedError} rather than answer "never seen".
 */
export class WriteBehindBaselines implements BaselineStore {
  readonly #entries = new Map<string, Entry>();
  readonly #writes = new Map<string, NamespaceWrites>();
  #changes = 0;
  /** While trying something out: each changed entry's state before the trial, to roll back to. */
  #trial: Map<Entry, Pick<Entry, "value" | "json" | "dirty">> | undefined;

  /** Adds the values of `refs` as loaded: those in `stored` with their version, the others as absent. */
  prime(refs: readonly BaselineRef[], stored: readonly VersionedBaseline[]): void {
    const found = new Map(stored.map((s) => [refId(s), s]));
    for (const ref of refs) {
      const id = refId(ref);
      if (this.#entries.has(id)) continue;
      const s = found.get(id);
      this.#entries.set(id, {
        namespace: ref.namespace,
        key: ref.key,
        value: s?.value,
        json: s === undefined ? undefined : JSON.stringify(s.value),
        version: s?.version,
        dirty: false,
      });
    }
  }

  get<T>(namespace: string, key: string): T | undefined {
    return this.#entry(namespace, key).value as T | undefined;
  }

  set<T>(namespace: string, key: string, value: T): void {
    const entry = this.#entry(namespace, key);
    const json = JSON.stringify(value);
    let writes = this.#writes.get(namespace);
    if (writes === undefined) {
      writes = { sets: 0, unchanged: 0 };
      this.#writes.set(namespace, writes);
    }
    writes.sets++;
    entry.value = value;
    if (json === entry.json) {
      writes.unchanged++;
      return;
    }
    if (this.#trial !== undefined && !this.#trial.has(entry)) {
      const before = entry.json === undefined ? undefined : JSON.parse(entry.json);
      this.#trial.set(entry, { value: before, json: entry.json, dirty: entry.dirty });
    }
    entry.json = json;
    entry.dirty = true;
    this.#changes++;
  }

  /** How many sets changed a value so far: compare before and after an event to know if it changed state. */
  get changes(): number {
    return this.#changes;
  }

  /**
   * Runs `body` on the working set and takes back every change it made; returns whether it changed
   * anything. Used to ask "would applying this event again change state?" without applying it. Values
   * a detection changed in place are restored from their JSON as it was before.
   */
  trial(body: () => void): boolean {
    const changes = this.#changes;
    this.#trial = new Map();
    try {
      body();
      return this.#changes > changes;
    } finally {
      for (const [entry, before] of this.#trial) Object.assign(entry, before);
      this.#trial = undefined;
      this.#changes = changes;
    }
  }

  /** How many values are waiting to be written. */
  get dirtyCount(): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.dirty) n++;
    return n;
  }

  /** The changed values, each with the version it was read at. */
  pending(): BaselineWrite[] {
    const out: BaselineWrite[] = [];
    for (const e of this.#entries.values()) {
      if (!e.dirty || e.json === undefined) continue;
      out.push({ namespace: e.namespace, key: e.key, value: JSON.parse(e.json), expected: e.version });
    }
    return out;
  }

  /** Marks the pending values as written, at the versions the store returned (by refId). */
  committed(versions: ReadonlyMap<string, string>): void {
    for (const [id, e] of this.#entries) {
      if (!e.dirty) continue;
      e.version = versions.get(id) ?? e.version;
      e.dirty = false;
    }
  }

  /** Sets per namespace since this working set was made, and how many of them changed nothing. */
  writeStats(): ReadonlyMap<string, NamespaceWrites> {
    return this.#writes;
  }

  #entry(namespace: string, key: string): Entry {
    const entry = this.#entries.get(refId({ namespace, key }));
    if (entry === undefined) {
      throw new BaselineNotLoadedError(
        `baseline ${namespace}/${key} was not loaded for this batch: a detection chose the key from learned state, which the key probe cannot foresee; make the key a function of the event alone`,
        { context: { namespace, key } },
      );
    }
    return entry;
  }
}
