import { ArnPattern, matchesAny } from "../config/arn-pattern.ts";
import type { VigilConfig } from "../config/compile.ts";

/** vigil's own roles, as the CDK construct names them: never acted on, whatever the config says. */
export const OWN_ROLE_PATTERNS: readonly ArnPattern[] = [
  new ArnPattern("arn:aws:iam::*:role/vigil-*"),
  new ArnPattern("arn:aws:iam::*:role/*/vigil-*"),
];

/**
 * Why vigil must never act on this principal, or undefined when it may: service-linked roles (IAM
 * refuses changes to them), vigil's own roles, and anything matching the configured `protected`
 * patterns (break-glass roles). Decisions and the playbook executor both ask this.
 */
export function protectionOf(principalArn: string, config: VigilConfig): string | undefined {
  if (principalArn.includes(":role/aws-service-role/")) return `${principalArn} is a service-linked role`;
  const own = OWN_ROLE_PATTERNS.find((p) => p.matches(principalArn));
  if (own !== undefined) return `${principalArn} is one of vigil's own roles (${own.text})`;
  if (matchesAny(config.protected, principalArn)) {
    const pattern = config.protected.find((p) => p.matches(principalArn))!;
    return `${principalArn} matches protected pattern ${pattern.text}`;
  }
  return undefined;
}
