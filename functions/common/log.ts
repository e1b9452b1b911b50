import type { Logger } from "@aws-lambda-powertools/logger";

/**
 * The structured log of a function: one JSON object per line. Every attribute passes through
 * {@link maskAccessKeyIds} first; findings and records never carry secret values or session tokens
 * (CloudTrail logs neither), so key ids are the one credential fragment left to hide.
 */
export interface FunctionLog {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

const ACCESS_KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g;

/**
 * Replaces every access key id (AKIA…/ASIA…) in strings, however deep, by its first 4 characters and
 * asterisks: `AKIAIOSFODNN7EXAMPLE` → `AKIA****************`. Other values are returned as they are.
 */
export function maskAccessKeyIds<T>(value: T): T {
  return mask(value, 0) as T;
}

function mask(value: unknown, depth: number): unknown {
  if (typeof value === "string") {
    return value.replace(ACCESS_KEY_ID, (_, kind: string) => `${kind}${"*".repeat(16)}`);
  }
  if (depth > 32 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => mask(item, depth + 1));
  if (value instanceof Error) {
    return { name: value.name, message: mask(value.message, depth + 1) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = mask(item, depth + 1);
  return out;
}

/** A FunctionLog writing through Powertools Logger (JSON lines to stdout, Lambda context keys added). */
export function powertoolsLog(logger: Logger): FunctionLog {
  return {
    debug: (message, attributes = {}) =>
      logger.debug(maskAccessKeyIds(message), maskAccessKeyIds(attributes)),
    info: (message, attributes = {}) => logger.info(maskAccessKeyIds(message), maskAccessKeyIds(attributes)),
    warn: (message, attributes = {}) => logger.warn(maskAccessKeyIds(message), maskAccessKeyIds(attributes)),
    error: (message, attributes = {}) =>
      logger.error(maskAccessKeyIds(message), maskAccessKeyIds(attributes)),
  };
}
