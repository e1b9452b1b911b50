import { LedgerError } from "./record.ts";

/**
 * The canonical JSON of a value: object keys sorted (by UTF-16 code unit), no whitespace, strings and
 * numbers as `JSON.stringify` writes them. Equal values always give the same text, whatever order
 * their keys were written in, which is what a hash over a record needs. Keys whose value is
 * `undefined` are left out, as `JSON.stringify` does; anything JSON cannot hold is refused.
 *
 * @example canonicalJson({ b: [1, "x"], a: null }) // '{"a":null,"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new LedgerError(`cannot hash ${value}: JSON has no such number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object)
      .filter((k) => object[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(",")}}`;
  }
  throw new LedgerError(
    `cannot hash a ${typeof value === "object" ? value.constructor.name : typeof value}: ledger records hold plain JSON only`,
  );
}
