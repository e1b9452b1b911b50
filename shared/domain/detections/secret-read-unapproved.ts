import { matchesAny } from "../config/arn-pattern.ts";
import type { SecretProfile } from "../config/compile.ts";
import { describeSource } from "../config/sources.ts";
import { show } from "../errors.ts";
import type { CredentialUse } from "../event.ts";
import { failure } from "./describe.ts";
import type { Detection } from "./detection.ts";

/** The Secrets Manager calls that return secret values. */
export const SECRET_READ_APIS = ["GetSecretValue", "BatchGetSecretValue"] as const;
/** The SSM calls that return parameter values (with decryption, a SecureString's plain text). */
export const PARAMETER_READ_APIS = ["GetParameter", "GetParameters", "GetParametersByPath"] as const;
const SECRET_READS: ReadonlySet<string> = new Set(SECRET_READ_APIS);
const PARAMETER_READS: ReadonlySet<string> = new Set(PARAMETER_READ_APIS);

/**
 * True when the call is one that returns secret values, whether or not it succeeded: a Secrets
 * Manager read, or an SSM parameter read with decryption.
 */
export function readsSecretValues(use: CredentialUse): boolean {
  if (use.eventSource === "secretsmanager.amazonaws.com") return SECRET_READS.has(use.eventName);
  return (
    use.eventSource === "ssm.amazonaws.com" &&
    PARAMETER_READS.has(use.eventName) &&
    use.secretIds.length + use.secretScopes.length > 0
  );
}

/** How the read reached a declared secret: the id it named, or the filter or path that covers it. */
function whichRead(use: CredentialUse, secret: SecretProfile): string {
  const id = use.secretIds.find((i) => secret.match.some((m) => m.matches(i)));
  if (id !== undefined) return show(id, 160);
  const scope = use.secretScopes.find((sc) => secret.match.some((m) => m.couldMatch(sc)));
  return scope === undefined ? show(secret.id) : `read by ${scope.described}`;
}

/** Why one declared secret should not have been read by this use, or undefined when the read is expected. */
function problemWith(use: CredentialUse, secret: SecretProfile): string | undefined {
  const what = `secret ${whichRead(use, secret)} (profile ${show(secret.id)})`;
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
 * `secret-read-unapproved`: a read of a declared secret — Secrets Manager GetSecretValue or
 * BatchGetSecretValue (by id list, or by filters: a read of every secret the filter could match), or
 * an SSM parameter read with decryption (GetParameter, GetParameters, GetParametersByPath: a path
 * read covers every parameter under it) — by a principal that is not among its readers, or by a
 * reader from a source the secret does not list. Denied reads still count (someone tried), and the
 * reason says so. Reads of secrets no profile declares are not judged here.
 */
export const secretReadUnapproved: Detection = {
  id: "secret-read-unapproved",
  title: "Secret read by an unapproved principal or from an unexpected source",
  weight: 25,
  attack: ["T1555.006"],
  evaluate(use, ctx) {
    if (ctx.secrets.length === 0 || !readsSecretValues(use)) return undefined;
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
