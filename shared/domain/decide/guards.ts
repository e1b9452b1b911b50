import { matchesAny } from "../config/arn-pattern.ts";
import type { VigilConfig } from "../config/compile.ts";

/**
 * Why vigil must never act on this principal, or undefined when it may: service-linked roles (IAM
 * refuses changes to them) and anything matching the configured `protected` patterns (vigil's own roles,
 * break-glass roles).
 */
export function protectionOf(principalArn: string, config: VigilConfig): string | undefined {
  if (principalArn.includes(":role/aws-service-role/")) return `${principalArn} is a service-linked role`;
  if (matchesAny(config.protected, principalArn)) {
    const pattern = config.protected.find((p) => p.matches(principalArn))!;
    return `${principalArn} matches protected pattern ${pattern.text}`;
  }
  return undefined;
}
