/**
 * The CloudTrail event ids evaluated lately by this function instance, so that the same event arriving
 * twice (two rules matching it, an SQS redelivery, the live event and its S3 trail copy landing in
 * the same container) is evaluated once. Bounded: the oldest ids are forgotten first.
 *
 * This is per instance only: two concurrent instances, or an instance started after the first copy
 * was seen, evaluate a duplicate again. Durable idempotency (a conditional write per event id in
 * DynamoDB) comes with the DynamoDB store.
 */
export class RecentEvents {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity = 50_000) {}

  has(eventId: string): boolean {
    return this.#ids.has(eventId);
  }

  add(eventId: string): void {
    if (this.#ids.has(eventId)) return;
    this.#ids.add(eventId);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#ids.size;
  }
}
