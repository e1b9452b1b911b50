import type { CredentialUse, SecretScope } from "../event.ts";
import { ArnPattern } from "./arn-pattern.ts";

/** A secret or SSM parameter as a caller or a config names it: by name, by partial ARN or by full ARN. */
interface SecretName {
  /** Undefined for a bare name, which may be either service's. */
  readonly service?: "secretsmanager" | "ssm";
  readonly name: string;
  readonly region?: string;
  readonly account?: string;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([^:]*):([^:]*):secret:(.+)$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([^:]*):([^:]*):parameter\/?(.+)$/;
/** Full secret ARNs end in `-` and six random characters that the caller may or may not pass. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

function readSecretId(text: string): SecretName {
  const secret = SECRET_ARN.exec(text);
  if (secret !== null)
    return { service: "secretsmanager", region: secret[1], account: secret[2], name: secret[3]! };
  const parameter = PARAMETER_ARN.exec(text);
  if (parameter !== null)
    return { service: "ssm", region: parameter[1], account: parameter[2], name: parameter[3]! };
  return { name: text };
}

/** SSM names a parameter `/prod/db` but its ARN `…:parameter/prod/db`: compare without the slash. */
function parameterName(name: string): string {
  return name.startsWith("/") ? name.slice(1) : name;
}

/**
 * One `match` entry of a secret profile: a name (`prod/orders-db`, `*` allowed), a Secrets Manager
 * ARN (`arn:aws:secretsmanager:eu-central-1:111122223333:secret:prod/orders-db-*`) or an SSM
 * parameter ARN (`arn:aws:ssm:eu-central-1:111122223333:parameter/prod/db-password`). It matches the
 * forms a caller may pass: the name, a partial ARN, or the full ARN with its random suffix. A bare
 * name matches a secret or a parameter of that name.
 */
export class SecretMatcher {
  readonly #declared: SecretName;
  readonly #name: ArnPattern;
  readonly #parameterName: ArnPattern;
  readonly #region: ArnPattern | undefined;
  readonly #account: ArnPattern | undefined;
  /** The name up to its first wildcard: what every matching name begins with. */
  readonly #literalHead: string;
  readonly #wildcard: boolean;

  constructor(readonly text: string) {
    const declared = readSecretId(text);
    this.#declared = declared;
    // `prod/orders-db-*` and `prod/orders-db-??????` both mean "whatever the random suffix is".
    const base = declared.service === "ssm" ? declared.name : declared.name.replace(/-(\*|\?{6})$/, "");
    this.#name = new ArnPattern(base);
    this.#parameterName = new ArnPattern(parameterName(declared.name));
    this.#region = declared.region === undefined ? undefined : new ArnPattern(declared.region);
    this.#account = declared.account === undefined ? undefined : new ArnPattern(declared.account);
    const wildcard = base.search(/[*?]/);
    this.#literalHead = wildcard === -1 ? base : base.slice(0, wildcard);
    this.#wildcard = wildcard !== -1;
  }

  matches(secretId: string): boolean {
    const used = readSecretId(secretId);
    if (!this.#sameService(used.service)) return false;
    if (used.region !== undefined && this.#region !== undefined && !this.#region.matches(used.region))
      return false;
    if (used.account !== undefined && this.#account !== undefined && !this.#account.matches(used.account)) {
      return false;
    }
    if (used.service === "ssm") return this.#parameterName.matches(parameterName(used.name));
    if (this.#name.matches(used.name)) return true;
    return (
      used.region !== undefined && RANDOM_SUFFIX.test(used.name) && this.#name.matches(used.name.slice(0, -7))
    );
  }

  /**
   * True when a read of every secret in `scope` (a name prefix, or any name) may have read this one:
   * some name this entry matches begins with the prefix.
   */
  couldMatch(scope: SecretScope): boolean {
    if (!this.#sameService(scope.service)) return false;
    if (scope.prefix === undefined) return true;
    const prefix = scope.service === "ssm" ? parameterName(scope.prefix) : scope.prefix;
    const head = scope.service === "ssm" ? parameterName(this.#literalHead) : this.#literalHead;
    // Without a wildcard the name is the head itself; after one, anything may follow the head.
    return head.startsWith(prefix) || (this.#wildcard && prefix.startsWith(head));
  }

  #sameService(service: SecretName["service"]): boolean {
    return (
      service === undefined || this.#declared.service === undefined || service === this.#declared.service
    );
  }
}

/** What {@link secretsReadBy} needs of a secret profile. */
interface MatchedSecret {
  readonly match: readonly SecretMatcher[];
}

/**
 * The declared secrets a call read: those matching an id it names, and those a read by filter or
 * path could have matched (a scope read is a read of every secret it could match). `cache` keeps the
 * profiles matched per id across calls; it is cleared when it grows past 10,000 ids.
 */
export function secretsReadBy<S extends MatchedSecret>(
  use: Pick<CredentialUse, "secretIds" | "secretScopes">,
  secrets: readonly S[],
  cache?: Map<string, readonly S[]>,
): readonly S[] {
  if ((use.secretIds.length === 0 && use.secretScopes.length === 0) || secrets.length === 0) return [];
  const found: S[] = [];
  for (const id of use.secretIds) {
    let matched = cache?.get(id);
    if (matched === undefined) {
      matched = secrets.filter((s) => s.match.some((m) => m.matches(id)));
      if (cache !== undefined) {
        if (cache.size > 10_000) cache.clear();
        cache.set(id, matched);
      }
    }
    for (const s of matched) if (!found.includes(s)) found.push(s);
  }
  for (const scope of use.secretScopes) {
    for (const s of secrets)
      if (!found.includes(s) && s.match.some((m) => m.couldMatch(scope))) found.push(s);
  }
  return found;
}
