import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CSRF_COOKIE, CSRF_COOKIE_SHAPE } from "../../console/csrf.ts";
import { VigilError } from "../../domain/errors.ts";

/**
 * The console's HTTP plumbing: security headers on every response, the console cookie, form bodies.
 * The policy forbids every script and inline style, framing, and forms posting anywhere else.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The largest form body the console reads; its forms are a few hundred bytes. */
export const MAX_FORM_BYTES = 16 * 1024;

/** Writes a complete response with the security headers and `no-store` caching. */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Readonly<Record<string, string>>,
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Cache-Control": "no-store",
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/** A 303 to `location` (a path of this console), after a form was handled. */
export function seeOther(res: ServerResponse, location: string): void {
  res.writeHead(303, { ...SECURITY_HEADERS, "Cache-Control": "no-store", Location: location });
  res.end();
}

/** The value of one cookie of the request, if present. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The browser's console cookie, or a new one to set (with its Set-Cookie header): random, HttpOnly,
 * SameSite=Strict, for the whole console.
 */
export function consoleCookie(req: IncomingMessage): { value: string; setCookie?: string } {
  const existing = cookieOf(req, CSRF_COOKIE);
  if (existing !== undefined && CSRF_COOKIE_SHAPE.test(existing)) return { value: existing };
  const value = randomBytes(32).toString("base64url");
  return { value, setCookie: `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict` };
}

/** The request body was too large, of the wrong type, or never finished. */
export class FormError extends VigilError {
  override name = "FormError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, { context: { status } });
  }
}

/** Reads an `application/x-www-form-urlencoded` body of at most {@link MAX_FORM_BYTES}. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new FormError(
      `forms must be sent as application/x-www-form-urlencoded, not ${JSON.stringify(type)}`,
      415,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormError(`the form is larger than ${MAX_FORM_BYTES} bytes`, 413);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
