import * as z from "zod";

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The four fields every CloudTrail record has, validated with zod: `eventTime`, `eventSource`,
 * `eventName` and `userIdentity`. Everything else is optional and older records lack most of it, so
 * it is read leniently with `text()` and `object()`: a missing or wrongly typed optional field is
 * treated as absent instead of costing the whole record (and validating it field by field with zod
 * would cost more than parsing the JSON).
 */
export const requiredFieldsSchema = z.object({
  eventTime: z.string({ error: "eventTime is missing or not a string" }),
  eventSource: z.string({ error: "eventSource is missing or not a string" }).min(1, "eventSource is empty"),
  eventName: z.string({ error: "eventName is missing or not a string" }).min(1, "eventName is empty"),
  userIdentity: z.custom<JsonObject>(isObject, { error: "userIdentity is missing or not an object" }),
});

/** An optional string field, or undefined when it is absent, empty or not a string. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** An optional object field, or undefined when it is absent, null or not an object. */
export function object(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}
