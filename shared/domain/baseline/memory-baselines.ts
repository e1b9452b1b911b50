import type { BaselineStore } from "../../ports/baseline-store.ts";

/**
 * A BaselineStore held in memory: the working set of every run. The SQLite store loads it at start
 * and persists what `takeDirty()` returns after each batch; tests and `--memory` runs use it alone.
 * Nested maps keep lookups free of string building on the hot path.
 */
export class MemoryBaselines implements BaselineStore {
  readonly #values = new Map<string, Map<string, unknown>>();
  readonly #dirty = new Map<string, Set<string>>();

  get<T>(namespace: string, key: string): T | undefined {
    return this.#values.get(namespace)?.get(key) as T | undefined;
  }

  set<T>(namespace: string, key: string, value: T): void {
    this.load(namespace, key, value);
    let dirty = this.#dirty.get(namespace);
    if (dirty === undefined) {
      dirty = new Set();
      this.#dirty.set(namespace, dirty);
    }
    dirty.add(key);
  }

  /** Loads a persisted value without marking it dirty. */
  load(namespace: string, key: string, value: unknown): void {
    let values = this.#values.get(namespace);
    if (values === undefined) {
      values = new Map();
      this.#values.set(namespace, values);
    }
    values.set(key, value);
  }

  /** Returns and forgets what changed since the last call, as [namespace, key, value]. */
  takeDirty(): Array<[string, string, unknown]> {
    const out: Array<[string, string, unknown]> = [];
    for (const [namespace, keys] of this.#dirty) {
      const values = this.#values.get(namespace);
      for (const key of keys) out.push([namespace, key, values?.get(key)]);
    }
    this.#dirty.clear();
    return out;
  }

  get size(): number {
    let size = 0;
    for (const values of this.#values.values()) size += values.size;
    return size;
  }
}
