import { field, parsePolicyDocument } from "./policy-document.ts";

/** Someone a resource or trust policy grants access to. */
export interface Grantee {
  /** A 12-digit account id, or `*` for anyone (any AWS account, or the public). */
  readonly account: string;
  /** How the policy named it, for reasons: `*`, `arn:aws:iam::444455556666:root`, `canonical user …`. */
  readonly as: string;
}

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ARN = /^arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/;
const ANY_ACCOUNT_ID = /(?<!\d)\d{12}(?!\d)/g;

/** Condition keys that keep a grant inside an organization or a network: it reaches no outsider. */
const CONFINING_KEYS: ReadonlySet<string> = new Set([
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "aws:resourceorgid",
  "aws:sourcevpce",
  "aws:sourcevpc",
  "aws:principalisawsservice",
]);
/** Condition keys whose values are the accounts a grant is limited to. */
const ACCOUNT_KEYS: ReadonlySet<string> = new Set([
  "aws:principalaccount",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:resourceaccount",
  "kms:calleraccount",
]);
/** Condition keys whose values are ARNs naming the account a grant is limited to. */
const ARN_KEYS: ReadonlySet<string> = new Set(["aws:sourcearn", "aws:principalarn"]);

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A policy as logged: an object already, or a JSON (possibly URL-encoded) string. */
function readDocument(document: unknown): unknown {
  return typeof document === "string" ? parsePolicyDocument(document) : document;
}

function accountOf(entry: unknown): string | undefined {
  if (typeof entry !== "string") return undefined;
  if (entry === "*") return "*";
  if (ACCOUNT_ID.test(entry)) return entry;
  return ACCOUNT_ARN.exec(entry)?.[1];
}

/**
 * What a statement's conditions limit it to: `confined` (an organization or a network), a list of
 * accounts, or nothing (`undefined`: the principals stand as written). Only positive operators
 * (`StringEquals`, `StringLike`, `ArnEquals`, `ArnLike`, `ForAnyValue:…`) limit; a negated one does not.
 */
function conditionLimit(condition: unknown): "confined" | string[] | undefined {
  if (typeof condition !== "object" || condition === null) return undefined;
  let accounts: string[] | undefined;
  for (const [operator, clauses] of Object.entries(condition as Record<string, unknown>)) {
    if (/Not|IfExists|Null/i.test(operator) || typeof clauses !== "object" || clauses === null) continue;
    for (const [key, value] of Object.entries(clauses as Record<string, unknown>)) {
      const lower = key.toLowerCase();
      if (CONFINING_KEYS.has(lower)) return "confined";
      const values = asList(value);
      if (ACCOUNT_KEYS.has(lower)) {
        accounts = values.map((v) => (typeof v === "string" && !/[*?]/.test(v) ? v : "*"));
      } else if (ARN_KEYS.has(lower)) {
        accounts = values.map((v) => accountOf(v) ?? "*");
      }
    }
  }
  return accounts;
}

/**
 * The accounts an IAM-style policy document grants access to: every Allow statement's AWS
 * principals (`*`, account ids, ARNs) and canonical users, narrowed by conditions that limit the
 * accounts (`aws:SourceAccount`, `kms:CallerAccount`, …) or confine the grant to an organization or
 * a network (`aws:PrincipalOrgID`, `aws:SourceVpce`, … then it grants nothing outside). Service and
 * federated principals are not accounts and are left out. A document that is not JSON is scanned for
 * 12-digit account ids rather than trusted: it never throws (attackers write these documents).
 */
export function policyGrantees(document: unknown): Grantee[] {
  const found: Grantee[] = [];
  const add = (account: string, as: string) => {
    if (!found.some((g) => g.account === account && g.as === as)) found.push({ account, as });
  };
  const policy = readDocument(document);
  if (policy === undefined) {
    if (typeof document === "string") for (const m of document.matchAll(ANY_ACCOUNT_ID)) add(m[0], m[0]);
    return found;
  }
  for (const statement of asList(field(policy, "Statement"))) {
    if (field(statement, "Effect") !== "Allow") continue;
    const limit = conditionLimit(field(statement, "Condition"));
    if (limit === "confined") continue;
    const named: Grantee[] = [];
    if (field(statement, "NotPrincipal") !== undefined)
      named.push({ account: "*", as: "everyone but NotPrincipal" });
    const principal = field(statement, "Principal");
    if (principal === "*") named.push({ account: "*", as: "*" });
    for (const entry of asList(field(principal, "AWS"))) {
      const account = accountOf(entry);
      if (account !== undefined) named.push({ account, as: String(entry) });
    }
    for (const entry of asList(field(principal, "CanonicalUser"))) {
      if (typeof entry === "string") named.push({ account: "*", as: `canonical user ${entry}` });
    }
    for (const grantee of named) {
      if (limit === undefined || grantee.account !== "*") add(grantee.account, grantee.as);
      else for (const account of limit) add(account, `${grantee.as} limited to ${account}`);
    }
  }
  return found;
}
