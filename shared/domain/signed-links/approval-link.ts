import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import type { Clock } from "../../ports/clock.ts";
import type { UsedLinks } from "../../ports/used-links.ts";
import { show, VigilError } from "../errors.ts";

/**
 * Short-lived signed links for approving or denying one approval request from a phone, without a
 * sign-in: the link carries the request id, the action, the approver it was made for and its expiry,
 * signed with HMAC-SHA256 under a secret only the deployment holds. A link is bound to one request,
 * one action and one approver (the vote is cast in that approver's name, who must still be allowed to
 * decide when it is used), expires, and is single use (the store marks it consumed before the vote is
 * cast).
 *
 * Token: `base64url(JSON {v, r, a, p, i, e})` `.` `base64url(HMAC-SHA256(secret, "vigil-approval-link:" + payload))`.
 */

/** What a link may do. */
export const LINK_ACTIONS = ["approve", "deny"] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** The longest a link may live: a link is for acting now, from the notification it came in. */
export const MAX_LINK_LIFETIME_MS = 60 * 60 * 1000;

/** The secret must carry at least this many bytes (256 bits). */
export const MIN_SECRET_BYTES = 32;

/** The longest approver name a link carries (an IAM ARN fits). */
export const MAX_APPROVER_CHARS = 512;

/** What a verified link says. */
export interface ApprovalLink {
  readonly requestId: string;
  readonly action: LinkAction;
  /** The approver the link was made for: the vote is cast in this name. */
  readonly approver: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Identifies this link for single use: the SHA-256 of its signature. */
  readonly id: string;
}

/** Why a link was refused. */
export type LinkRefusal = "malformed" | "bad-signature" | "expired" | "wrong-request" | "used";

/** A signed link was refused; `refusal` says why, the message what to do. */
export class SignedLinkError extends VigilError {
  override name = "SignedLinkError";
  constructor(
    message: string,
    readonly refusal: LinkRefusal,
  ) {
    super(message, { context: { refusal } });
  }
}

const payloadSchema = z
  .object({
    v: z.literal(2),
    r: z.string().min(1).max(200),
    a: z.enum(LINK_ACTIONS),
    p: z.string().min(1).max(MAX_APPROVER_CHARS),
    i: z.number().int().nonnegative(),
    e: z.number().int().positive(),
  })
  .strict();

function checkSecret(secret: Buffer): void {
  if (secret.length < MIN_SECRET_BYTES) {
    throw new SignedLinkError(
      `the link secret has ${secret.length} bytes; it needs at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 32)`,
      "malformed",
    );
  }
}

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac("sha256", secret).update(`vigil-approval-link:${payload}`, "utf8").digest();
}

/**
 * Signs a link for `approver` to `action` request `requestId`, valid from `issuedAt` until
 * `expiresAt` (exclusive). Refuses a lifetime above {@link MAX_LINK_LIFETIME_MS}, a short secret and
 * an empty or overlong approver name.
 *
 * @example
 * const token = signApprovalLink({ requestId: "apr-1", action: "approve", approver: "alice", issuedAt: now, expiresAt: now + 15 * 60_000 }, secret);
 * // https://approvals.example/links/<token>
 */
export function signApprovalLink(
  link: {
    readonly requestId: string;
    readonly action: LinkAction;
    readonly approver: string;
    readonly issuedAt: number;
    readonly expiresAt: number;
  },
  secret: Buffer,
): string {
  checkSecret(secret);
  if (link.approver.length === 0 || link.approver.length > MAX_APPROVER_CHARS) {
    throw new SignedLinkError(
      `a link is made for one approver, named in 1 to ${MAX_APPROVER_CHARS} characters, not ${show(link.approver, 40)}; name the approver it is sent to`,
      "malformed",
    );
  }
  const lifetime = link.expiresAt - link.issuedAt;
  if (!(lifetime > 0 && lifetime <= MAX_LINK_LIFETIME_MS)) {
    throw new SignedLinkError(
      `a link must live more than 0 ms and at most ${MAX_LINK_LIFETIME_MS / 60_000} minutes, not ${lifetime} ms; choose an expiry within the hour`,
      "malformed",
    );
  }
  const payload = Buffer.from(
    JSON.stringify({
      v: 2,
      r: link.requestId,
      a: link.action,
      p: link.approver,
      i: link.issuedAt,
      e: link.expiresAt,
    }),
    "utf8",
  ).toString("base64url");
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

/**
 * Checks a token's signature, shape, lifetime and expiry at `now`: the link it carries, or a
 * SignedLinkError. Does not consume it (see {@link redeemApprovalLink}).
 */
export function verifyApprovalLink(token: string, secret: Buffer, now: number): ApprovalLink {
  checkSecret(secret);
  const parts = token.split(".");
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) {
    throw new SignedLinkError(
      `the link ${show(token, 40)} is not a vigil approval link; open the link from the notification as it was sent`,
      "malformed",
    );
  }
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SignedLinkError(
      "the link's signature does not match: it was changed, or signed with another secret; open the link from the notification as it was sent",
      "bad-signature",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = payloadSchema.safeParse(json);
  if (
    !parsed.success ||
    parsed.data.e - parsed.data.i > MAX_LINK_LIFETIME_MS ||
    parsed.data.e <= parsed.data.i
  ) {
    throw new SignedLinkError("the link is signed but its content is not a valid approval link", "malformed");
  }
  const { r, a, p, i, e } = parsed.data;
  if (now >= e) {
    throw new SignedLinkError(
      `the link expired at ${new Date(e).toISOString()}; ask for a new one, or decide in the console`,
      "expired",
    );
  }
  return {
    requestId: r,
    action: a,
    approver: p,
    issuedAt: i,
    expiresAt: e,
    id: createHash("sha256").update(expected).digest("hex"),
  };
}

/**
 * Redeems a link for one request: verifies it, checks it was made for `requestId`, then consumes it
 * (once only). Only after this may the vote it carries be cast; a link that fails any check is not
 * consumed, a consumed link never verifies for a second use.
 */
export async function redeemApprovalLink(
  token: string,
  requestId: string,
  deps: { readonly secret: Buffer; readonly clock: Clock; readonly usedLinks: UsedLinks },
): Promise<ApprovalLink> {
  const link = verifyApprovalLink(token, deps.secret, deps.clock.now());
  if (link.requestId !== requestId) {
    throw new SignedLinkError(
      `the link was made for request ${show(link.requestId)}, not ${show(requestId)}; open the link sent for this request`,
      "wrong-request",
    );
  }
  if (!(await deps.usedLinks.consume(link.id, link.expiresAt))) {
    throw new SignedLinkError(
      `the link for request ${show(requestId)} was already used; a link works once: decide in the console, or ask for a new link`,
      "used",
    );
  }
  return link;
}
