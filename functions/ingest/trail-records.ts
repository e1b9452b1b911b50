import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { RecordSplitter, type SplitItem } from "../../shared/ingest/record-splitter.ts";

/**
 * The records of one trail file as they stream in: gzip (recognised by its magic bytes 1f 8b, as
 * CloudTrail writes it) is decompressed on the fly, then the shared splitter cuts `{"Records":[…]}`
 * into one value per record. Memory stays flat: one chunk and at most one record are held. A broken
 * gzip stream or a failing read rejects (the message is retried); bad JSON inside the file comes out as
 * `error` items, and the records around it still come out.
 */
export async function* trailRecords(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<SplitItem> {
  const splitter = new RecordSplitter();
  for await (const chunk of decoded(bytes)) yield* splitter.push(chunk);
  yield* splitter.end();
}

async function* decoded(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = bytes[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  const rest = (async function* () {
    if (head.length > 0) yield head;
    while (!done) {
      const next = await it.next();
      if (next.done) done = true;
      else yield Buffer.from(next.value);
    }
  })();
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield* rest;
    return;
  }
  const gunzip = createGunzip();
  const feeding = pipeline(Readable.from(rest), gunzip);
  // A failure surfaces through the gunzip stream being iterated; this keeps it from going unhandled.
  feeding.catch(() => {});
  for await (const chunk of gunzip) yield chunk as Buffer;
  await feeding;
}
