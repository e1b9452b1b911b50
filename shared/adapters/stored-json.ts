import type * as z from "zod";
import { StoreError } from "./sqlite-store.ts";

/**
 * Reads a JSON body a store kept, checked with `schema`. A body that is not JSON or does not match is a
 * StoreError saying which item (`what`) is damaged and what that stops (`consequence`).
 */
export function parseStored<T extends z.ZodType>(
  schema: T,
  body: string,
  what: string,
  consequence: string,
  context: Record<string, unknown> = {},
): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new StoreError(`${what} is damaged (${parsed.error.issues[0]?.message}); ${consequence}`, {
      context,
    });
  }
  return parsed.data;
}
