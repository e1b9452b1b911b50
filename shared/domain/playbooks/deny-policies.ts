/**
 * The policy documents vigil writes to contain a principal, and how to recognize them again: the
 * quarantine (deny everything) and the session revocation (deny everything to sessions issued before a
 * cutoff, like the console's AWSRevokeOlderSessions).
 */

/** Name of the inline policy that quarantines a user or role. */
export const QUARANTINE_POLICY = "vigil-quarantine";

/** Name of the inline policy that revokes a role's older sessions. */
export const REVOCATION_POLICY = "vigil-revoke-sessions";

/** Tag keys a quarantine sets: since when, and why. */
export const QUARANTINE_TAG = "vigil:quarantined";
export const QUARANTINE_REASON_TAG = "vigil:quarantine-reason";

/** Path of the customer managed policies vigil creates (the revocation fallback). */
export const VIGIL_POLICY_PATH = "/vigil/";

/** The AWS managed deny-everything policy: the quarantine's fallback when inline policies are full. */
export function denyAllPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/AWSDenyAll`;
}

/** A deny-all policy document. */
export function quarantineDocument(): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "VigilQuarantine", Effect: "Deny", Action: "*", Resource: "*" }],
  });
}

/** A document denying every action to sessions whose token was issued before `cutoff` (ISO 8601). */
export function revocationDocument(cutoff: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "VigilRevokeOlderSessions",
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { DateLessThan: { "aws:TokenIssueTime": cutoff } },
      },
    ],
  });
}

/** Whether two policy documents are the same JSON (key order and whitespace aside). */
export function sameDocument(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonical(a) === canonical(b);
}

/** The cutoff of a revocation document vigil wrote, or undefined when `document` is not one. */
export function revocationCutoff(document: string | undefined): number | undefined {
  if (document === undefined) return undefined;
  const match = /"aws:TokenIssueTime"\s*:\s*"([^"]+)"/.exec(document);
  if (match?.[1] === undefined) return undefined;
  if (!sameDocument(document, revocationDocument(match[1]))) return undefined;
  const at = Date.parse(match[1]);
  return Number.isNaN(at) ? undefined : at;
}

function canonical(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}
