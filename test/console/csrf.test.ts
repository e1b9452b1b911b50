import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { csrfToken, csrfValid, sameOrigin } from "../../shared/console/csrf.ts";

const secret = randomBytes(32);
const cookie = randomBytes(32).toString("base64url");

describe("csrfValid", () => {
  it("accepts the token made for the cookie it comes with", () => {
    expect(csrfValid(secret, cookie, csrfToken(secret, cookie))).toBe(true);
  });

  it("refuses a token of another cookie, another secret, a missing token or an odd cookie", () => {
    const other = randomBytes(32).toString("base64url");
    expect(csrfValid(secret, cookie, csrfToken(secret, other))).toBe(false);
    expect(csrfValid(secret, cookie, csrfToken(randomBytes(32), cookie))).toBe(false);
    expect(csrfValid(secret, cookie, undefined)).toBe(false);
    expect(csrfValid(secret, undefined, csrfToken(secret, cookie))).toBe(false);
    expect(csrfValid(secret, "short", csrfToken(secret, "short"))).toBe(false);
  });
});

describe("sameOrigin", () => {
  const hosts = ["127.0.0.1:8765", "localhost:8765"];

  it("accepts the console's own host with its own origin or no origin", () => {
    expect(sameOrigin({ host: "127.0.0.1:8765", origin: "http://127.0.0.1:8765" }, hosts)).toBe(true);
    expect(sameOrigin({ host: "localhost:8765" }, hosts)).toBe(true);
  });

  it("refuses a foreign origin, a foreign host (DNS rebinding) and a missing host", () => {
    expect(sameOrigin({ host: "127.0.0.1:8765", origin: "http://evil.example" }, hosts)).toBe(false);
    expect(sameOrigin({ host: "127.0.0.1:8765", origin: "null" }, hosts)).toBe(false);
    expect(sameOrigin({ host: "evil.example:8765", origin: "http://evil.example:8765" }, hosts)).toBe(false);
    expect(sameOrigin({}, hosts)).toBe(false);
  });
});
