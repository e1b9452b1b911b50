import { ArnPattern } from "./arn-pattern.ts";

/** A secret as a caller or a config names it: by name, by partial ARN or by full ARN. */
interface SecretName {
  readonly name: string;
  readonly region?: string;
  readonly account?: string;
}

const ARN = /^arn:aws[a-z-]*:secretsmanager:([^:]*):([^:]*):secret:(.+)$/;
/** Full secret ARNs end in `-` and six random characters that the caller may or may not pass. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

function readSecretId(text: string): SecretName {
  const m = ARN.exec(text);
  return m === null ? { name: text } : { region: m[1], account: m[2], name: m[3]! };
}

/**
 * One `match` entry of a secret profile: a secret name (`prod/orders-db`, `*` allowed) or a secret ARN
 * (`arn:aws:secretsmanager:eu-central-1:111122223333:secret:prod/orders-db-*`). It matches the three
 * forms a caller may pass to GetSecretValue: the name, a partial ARN, or the full ARN with its suffix.
 */
export class SecretMatcher {
  readonly #name: ArnPattern;
  readonly #region: ArnPattern | undefined;
  readonly #account: ArnPattern | undefined;

  constructor(readonly text: string) {
    const declared = readSecretId(text);
    // `prod/orders-db-*` and `prod/orders-db-??????` both mean "whatever the random suffix is".
    const base = declared.name.replace(/-(\*|\?{6})$/, "");
    this.#name = new ArnPattern(base);
    this.#region = declared.region === undefined ? undefined : new ArnPattern(declared.region);
    this.#account = declared.account === undefined ? undefined : new ArnPattern(declared.account);
  }

  matches(secretId: string): boolean {
    const used = readSecretId(secretId);
    if (used.region !== undefined && this.#region !== undefined && !this.#region.matches(used.region))
      return false;
    if (used.account !== undefined && this.#account !== undefined && !this.#account.matches(used.account)) {
      return false;
    }
    if (this.#name.matches(used.name)) return true;
    return (
      used.region !== undefined && RANDOM_SUFFIX.test(used.name) && this.#name.matches(used.name.slice(0, -7))
    );
  }
}
