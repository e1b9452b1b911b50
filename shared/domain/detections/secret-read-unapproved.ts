import { matchesAny } from "../config/arn-pattern.ts";
import type { SecretProfile } from "../config/compile.ts";
import { describeSource } from "../config/sources.ts";
import { show } from "../errors.ts";
import type { CredentialUse } from "../event.ts";
import { failure } from "./describe.ts";
import type { Detection } from "./detection.ts";

/** The Secrets Manager calls that return secret values. */
export const SECRET_READ_APIS = ["GetSecretValue", "BatchGetSecretValue"] as const;
const SECRET_READS: ReadonlySet<string> = new Set(SECRET_READ_APIS);

/** Why one declared secret should not have been read by this use, or undefined when the read is expected. */
function problemWith(use: CredentialUse, secret: SecretProfile): string | undefined {
  const secretId = use.secretIds.find((id) => secret.match.some((m) => m.matches(id))) ?? secret.id;
  const what = `secret ${show(secretId, 160)} (profile ${show(secret.id)})`;
  if (!matchesAny(secret.readers, use.principal.arn)) {
    const readers =
      secret.readers.length === 0 ? "none declared" : secret.readers.map((r) => r.text).join(", ");
    return `${what}, not a declared reader (readers: ${readers})`;
  }
  // A reader's call whose origin CloudTrail does not show cannot be judged by its source.
  if (secret.sources === undefined || use.source.kind === "aws-internal" || use.source.kind === "unknown") {
    return undefined;
  }
  if (secret.sources.includes(use.source)) return undefined;
  const declared = secret.sourceTexts.length === 0 ? "none" : secret.sourceTexts.join(", ");
  return `${what}, a declared reader but called from ${describeSource(use.source)}, not among the secret's sources (${declared})`;
}

/**
 * `secret-read-unapproved`: a Secrets Manager read (GetSecretValue, BatchGetSecretValue) of a declared
 * secret by a principal that is not among its readers, or by a reader from a source the secret does
 * not list. Denied reads still count (someone tried), and the reason says so. Reads of secrets no
 * profile declares are not judged here.
 */
export const secretReadUnapproved: Detection = {
  id: "secret-read-unapproved",
  title: "Secret read by an unapproved principal or from an unexpected source",
  weight: 25,
  evaluate(use, ctx) {
    if (use.eventSource !== "secretsmanager.amazonaws.com" || !SECRET_READS.has(use.eventName))
      return undefined;
    const problems: string[] = [];
    for (const secret of ctx.secrets) {
      const problem = problemWith(use, secret);
      if (problem !== undefined) problems.push(problem);
    }
    if (problems.length === 0) return undefined;
    const verb =
      use.errorCode === undefined
        ? `read with ${use.eventName}`
        : `tried to read with ${use.eventName}, ${failure(use.errorCode)}`;
    return {
      id: "secret-read-unapproved",
      reason: `${show(use.principal.arn, 160)} ${verb}: ${problems.join("; ")}`,
    };
  },
};
