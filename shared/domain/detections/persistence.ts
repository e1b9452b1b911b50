import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { field, parsePolicyDocument } from "../policy-document.ts";
import { describeActor, failure } from "./describe.ts";
import type { Detection } from "./detection.ts";

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/;
const ANY_ACCOUNT_ID = /(?<!\d)\d{12}(?!\d)/g;

function asList(value: unknown): readonly unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A policy document as logged (JSON, sometimes URL-encoded), parsed; or the readable text when it is not JSON. */
function readPolicy(document: string): { readonly parsed: unknown } | { readonly text: string } {
  const parsed = parsePolicyDocument(document);
  if (parsed !== undefined) return { parsed };
  try {
    return { text: decodeURIComponent(document.replaceAll("+", " ")) };
  } catch {
    return { text: document };
  }
}

/** The account ids (or `*`) an AWS principal entry names: `123456789012`, `arn:aws:iam::123456789012:…`, `*`. */
function accountOf(principal: unknown): string | undefined {
  if (typeof principal !== "string") return undefined;
  if (principal === "*") return "*";
  if (ACCOUNT_ID.test(principal)) return principal;
  return ACCOUNT_ARN.exec(principal)?.[1];
}

/**
 * The accounts other than `own` that a trust policy lets assume the role, in order of appearance.
 * Only Allow statements grant trust. A document that is not JSON is scanned for 12-digit account ids
 * rather than trusted or rejected: it never throws.
 */
function trustedAccounts(document: string, own: string | undefined): string[] {
  const found: string[] = [];
  const add = (account: string | undefined) => {
    if (account !== undefined && account !== own && !found.includes(account)) found.push(account);
  };
  const policy = readPolicy(document);
  if ("text" in policy) {
    for (const match of policy.text.matchAll(ANY_ACCOUNT_ID)) add(match[0]);
    return found;
  }
  for (const statement of asList(field(policy.parsed, "Statement"))) {
    if (field(statement, "Effect") === "Deny") continue;
    const principal = field(statement, "Principal");
    if (principal === "*") add("*");
    for (const entry of asList(field(principal, "AWS"))) add(accountOf(entry));
  }
  return found;
}

/** The caller's own IAM user name, when the caller is an IAM user (`arn:aws:iam::…:user/path/NAME`). */
function callerUserName(use: CredentialUse): string | undefined {
  const arn = use.principal.arn;
  return arn.includes(":user/") ? arn.slice(arn.lastIndexOf("/") + 1) : undefined;
}

/** "new access key for user "bob"" when the call targets a user other than the caller; else undefined. */
function forAnotherUser(what: string) {
  return (use: CredentialUse): string | undefined => {
    const user = param(use, "userName");
    if (user === undefined || user === callerUserName(use)) return undefined;
    return `${what} for user ${show(user, 120)}`;
  };
}

function externalTrust(use: CredentialUse): string | undefined {
  const document = param(use, "assumeRolePolicyDocument") ?? param(use, "policyDocument");
  if (document === undefined) return undefined;
  const accounts = trustedAccounts(document, use.accountId ?? use.principal.accountId);
  if (accounts.length === 0) return undefined;
  const role = param(use, "roleName");
  const who = accounts.map((a) => (a === "*" ? "any AWS account (*)" : `account ${a}`)).join(", ");
  return `role ${role === undefined ? "(name not logged)" : show(role, 120)} trusts ${who}`;
}

const RULES: ReadonlyMap<string, (use: CredentialUse) => string | undefined> = new Map(
  Object.entries({
    CreateAccessKey: forAnotherUser("new access key"),
    CreateLoginProfile: forAnotherUser("console password"),
    UpdateLoginProfile: forAnotherUser("new console password"),
    CreateUser: (use) => {
      const user = param(use, "userName");
      return `new IAM user ${user === undefined ? "(name not logged)" : show(user, 120)}`;
    },
    CreateRole: externalTrust,
    UpdateAssumeRolePolicy: externalTrust,
  }),
);

/**
 * `persistence`: a credential creates durable access for someone else: an access key or console
 * password for another user, a new IAM user, or a role trust policy that lets another AWS account (or
 * any) assume the role. Denied attempts count too, worded as attempts.
 */
export const persistence: Detection = {
  id: "persistence",
  title: "Created durable access for another identity",
  weight: 30,
  evaluate(use) {
    if (use.eventSource !== "iam.amazonaws.com") return undefined;
    const what = RULES.get(use.eventName)?.(use);
    if (what === undefined) return undefined;
    const api = `iam:${use.eventName}`;
    const reason =
      use.errorCode === undefined
        ? `${describeActor(use)} called ${api}: ${what}`
        : `${describeActor(use)} attempted ${api}: ${what}, ${failure(use.errorCode)}`;
    return { id: "persistence", reason };
  },
};
