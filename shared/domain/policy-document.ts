/**
 * Reads an IAM policy document as CloudTrail logs it in request parameters: a JSON string, sometimes
 * URL-encoded. Undefined when it cannot be read; never throws (attackers write these documents).
 */
export function parsePolicyDocument(document: string): unknown {
  const trimmed = document.trimStart();
  let json = trimmed;
  if (!trimmed.startsWith("{")) {
    try {
      json = decodeURIComponent(trimmed.replaceAll("+", " "));
    } catch {
      return undefined;
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** A field of a JSON object, or undefined when `value` is not an object. */
export function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
