/**
 * An ARN pattern from a profile: `*` matches any run of characters (slashes included) and `?` one
 * character, as in IAM policies. Matching is case-sensitive, as ARNs are.
 */
export class ArnPattern {
  readonly #regex: RegExp | undefined;

  constructor(readonly text: string) {
    this.#regex =
      text.includes("*") || text.includes("?")
        ? new RegExp(
            `^${text
              .replace(/[.+^${}()|[\]\\]/g, "\\$&")
              .replace(/\*/g, ".*")
              .replace(/\?/g, ".")}$`,
          )
        : undefined;
  }

  matches(arn: string): boolean {
    return this.#regex === undefined ? arn === this.text : this.#regex.test(arn);
  }
}

/** True when any of the patterns matches. */
export function matchesAny(patterns: readonly ArnPattern[], arn: string): boolean {
  for (const pattern of patterns) if (pattern.matches(arn)) return true;
  return false;
}
