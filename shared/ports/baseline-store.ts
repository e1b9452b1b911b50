/**
 * What vigil has learned, as small JSON-serializable values under a namespace (one per stateful
 * detection) and a key (usually a credential id). Reads and writes are synchronous: the adapter keeps
 * a working set in memory and persists it in batches, so detections stay pure and fast.
 */
export interface BaselineStore {
  get<T>(namespace: string, key: string): T | undefined;
  /** Stores `value` (which must survive `JSON.stringify`) and marks it for persisting. */
  set<T>(namespace: string, key: string, value: T): void;
}
