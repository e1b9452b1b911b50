import type { RecordOrigin } from "../domain/event.ts";

/** One item read from an input: a parsed JSON value, or a reason the bytes there could not be read. */
export type SourceItem =
  | { readonly kind: "value"; readonly value: unknown; readonly origin: RecordOrigin }
  | { readonly kind: "error"; readonly error: string; readonly origin: RecordOrigin };
