import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * CSRF protection for the console's forms: a synchronizer token bound to the browser's console
 * cookie and to a secret that lives only as long as the console process. A form carries
 * `HMAC-SHA256(secret, "csrf:" + cookie)`; a POST is accepted only when its token matches the cookie it
 * arrives with. The cookie is SameSite=Strict, so another site's form does not even carry it, and
 * without the secret nobody can compute a token for a cookie they chose.
 */

/** The name of the cookie that carries the browser's random console id. */
export const CSRF_COOKIE = "vigil_console";

/** The form field that carries the token. */
export const CSRF_FIELD = "csrf";

/** A cookie value as the console makes them: 32 random bytes, base64url. */
export const CSRF_COOKIE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The token a form served to the browser holding `cookie` must send back. */
export function csrfToken(secret: Buffer, cookie: string): string {
  return createHmac("sha256", secret).update(`csrf:${cookie}`, "utf8").digest("base64url");
}

/** Whether `token` is the one for `cookie`, compared in constant time; false for a missing or odd cookie. */
export function csrfValid(secret: Buffer, cookie: string | undefined, token: string | undefined): boolean {
  if (cookie === undefined || token === undefined || !CSRF_COOKIE_SHAPE.test(cookie)) return false;
  const expected = Buffer.from(csrfToken(secret, cookie), "utf8");
  const given = Buffer.from(token, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Whether a state-changing request comes from the console's own pages: its Host is one the console
 * answers to (which also defeats DNS rebinding), and its Origin, when the browser sends one, is that
 * same host over http. Browsers send Origin with every cross-site POST, so a foreign page is refused
 * here before the token is even looked at.
 */
export function sameOrigin(
  headers: { readonly host?: string; readonly origin?: string },
  allowedHosts: readonly string[],
): boolean {
  const host = headers.host?.toLowerCase();
  if (host === undefined || !allowedHosts.includes(host)) return false;
  if (headers.origin === undefined) return true;
  return headers.origin.toLowerCase() === `http://${host}`;
}
