/**
 * Every item of an async iterable, in order, as an array (Node 20 has no `Array.fromAsync`). For what
 * is shown or exported whole; walk the iterable instead when one item at a time will do.
 */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
