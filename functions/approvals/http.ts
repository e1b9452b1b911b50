import type * as z from "zod";
import { SECURITY_HEADERS } from "../../shared/adapters/console/http.ts";
import { httpApiEventSchema } from "../common/event-schemas.ts";

/**
 * The HTTP plumbing of the approvals function: the API Gateway HTTP API (payload format 2.0) event as
 * parsed at the edge, and the responses it returns. Pages carry the local console's security headers
 * (no script, no inline style, no framing, forms post only to the same origin) and are never cached
 * or indexed. A link page's URL is the credential: the pages load nothing from elsewhere and their
 * Referrer-Policy stays `same-origin`, so it never leaves the API (`no-referrer` would make browsers
 * send `Origin: null` with the form, which the Origin check must refuse).
 */

/** The HTTP API event, validated. */
export type HttpApiEvent = z.infer<typeof httpApiEventSchema>;

/** What the function returns to API Gateway. */
export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Parses an invocation as an HTTP API v2 event; undefined when it is not one. */
export function parseHttpEvent(event: unknown): HttpApiEvent | undefined {
  const parsed = httpApiEventSchema.safeParse(event);
  return parsed.success ? parsed.data : undefined;
}

/** The largest request body read (a reason of up to 1000 characters fits many times). */
export const MAX_BODY_BYTES = 16 * 1024;

/** The request body as text (API Gateway base64-encodes some bodies), or undefined when too large. */
export function bodyText(event: HttpApiEvent): string | undefined {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  return Buffer.byteLength(text) > MAX_BODY_BYTES ? undefined : text;
}

/**
 * The request path relative to the API: the stage prefix is removed when the API is invoked through a
 * named stage (`/prod/links/…` → `/links/…`); the `$default` stage has none.
 */
export function routePath(event: HttpApiEvent): string {
  const { stage, http } = event.requestContext;
  const prefix = `/${stage}`;
  if (stage !== "$default" && (http.path === prefix || http.path.startsWith(`${prefix}/`))) {
    return http.path.slice(prefix.length) || "/";
  }
  return http.path;
}

/** A JSON response. */
export function jsonResult(statusCode: number, body: unknown): HttpApiResult {
  return {
    statusCode,
    headers: {
      ...SECURITY_HEADERS,
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
    },
    body: JSON.stringify(body),
  };
}

/** A JSON error: `{ error }`, the message saying what was wrong and how to fix it. */
export function jsonError(statusCode: number, error: string): HttpApiResult {
  return jsonResult(statusCode, { error });
}

/** An HTML page with the console's security headers, no caching and no indexing. */
export function htmlResult(statusCode: number, document: string): HttpApiResult {
  return {
    statusCode,
    headers: {
      ...SECURITY_HEADERS,
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Robots-Tag": "noindex, nofollow",
    },
    body: document,
  };
}

/** The console's style sheet (the only resource a page loads), cacheable for an hour. */
export function cssResult(css: string): HttpApiResult {
  return {
    statusCode: 200,
    headers: {
      ...SECURITY_HEADERS,
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "max-age=3600",
    },
    body: css,
  };
}

/**
 * Whether a form POST comes from the approvals pages themselves: a browser sends `Origin` with every
 * POST, and it must be the API's own origin (its base URL's, or the execute-api domain it was reached
 * at). A request without `Origin` (not a browser) is let through: the link in its path is the
 * credential, and no cookie is involved that a foreign page could ride on.
 */
export function sameOriginPost(event: HttpApiEvent, baseUrl: string): boolean {
  const origin = event.headers.origin;
  if (origin === undefined) return true;
  const allowed = new Set([new URL(baseUrl).origin, `https://${event.requestContext.domainName}`]);
  return allowed.has(origin.toLowerCase());
}
