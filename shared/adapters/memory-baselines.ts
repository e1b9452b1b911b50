import type { BaselineStore } from "../ports/baseline-store.ts";

/**
 * A BaselineStore held in memory. The SQLite store builds on it; tests and `--memory` runs use it
 * alone. `dirty` lists what changed since the last `takeDirty()`, for batched persistence.
 */
export class MemoryBaselines implements BaselineStore {
  readonly #values = new Map<string, unknown>();
  readonly #dirty = new Set<string>();

  get<T>(namespace: string, key: string): T | undefined {
    return this.#values.get(`${namespace}\u0000${key}`) as T | undefined;
  }

  set<T>(namespace: string, key: string, value: T): void {
    const id = `${namespace}\u0000${key}`;
    this.#values.set(id, value);
    this.#dirty.add(id);
  }

  /** Loads a persisted value without marking it dirty. */
  load(namespace: string, key: string, value: unknown): void {
    this.#values.set(`${namespace}\u0000${key}`, value);
  }

  /** Returns and forgets what changed since the last call, as [namespace, key, value]. */
  takeDirty(): Array<[string, string, unknown]> {
    const out: Array<[string, string, unknown]> = [];
    for (const id of this.#dirty) {
      const split = id.indexOf("\u0000");
      out.push([id.slice(0, split), id.slice(split + 1), this.#values.get(id)]);
    }
    this.#dirty.clear();
    return out;
  }

  get size(): number {
    return this.#values.size;
  }
}
