import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { MIN_SECRET_BYTES } from "../../shared/domain/signed-links/approval-link.ts";
import { StartupError } from "./function-config.ts";

/**
 * The variables naming where the approvals API answers and the secret that signs its links; set by
 * the Vigil construct (a stable contract) on the approvals function, which needs both, and on the
 * functions that open approval requests (evaluate, ingest, expiry), which sign links into the
 * requests' notifications when both are set.
 */
export const APPROVALS_ENV = {
  /** Where the approvals HTTP API answers (its endpoint or custom domain): links and the Origin check. */
  baseUrl: "VIGIL_APPROVALS_BASE_URL",
  /** The Secrets Manager secret whose value signs and verifies approval links. */
  linkSecretArn: "VIGIL_LINK_SECRET_ARN",
} as const;

/** Where approval links point and which secret signs them (its value is fetched at start, never kept here). */
export interface LinkSettings {
  /** The API's base URL without a trailing `/`, e.g. `https://abc123.execute-api.eu-central-1.amazonaws.com`. */
  readonly baseUrl: string;
  /** The ARN of the link secret. */
  readonly linkSecretArn: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/**
 * The approvals API's base URL from `VIGIL_APPROVALS_BASE_URL`, without a trailing `/`: https, or
 * plain http for localhost only, without query, fragment or credentials. Throws a StartupError that
 * shows the bad value.
 */
export function readBaseUrl(env: Env): string {
  const text = env[APPROVALS_ENV.baseUrl];
  const fix = `set it to the approvals API's URL, such as https://abc123.execute-api.eu-central-1.amazonaws.com (the Vigil construct does): redeploy the stack`;
  if (text === undefined || text === "") {
    throw new StartupError(`vigil cannot start: ${APPROVALS_ENV.baseUrl} is not set; ${fix}`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StartupError(`vigil cannot start: ${APPROVALS_ENV.baseUrl} ${show(text)} is not a URL; ${fix}`);
  }
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (
    !(url.protocol === "https:" || (url.protocol === "http:" && local)) ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== ""
  ) {
    throw new StartupError(
      `vigil cannot start: ${APPROVALS_ENV.baseUrl} ${show(text)} must be an https URL without query, fragment or credentials (signed links carry a credential; plain http only for localhost); ${fix}`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The link secret's ARN from `VIGIL_LINK_SECRET_ARN`; throws a StartupError that shows the bad value. */
export function readLinkSecretArn(env: Env): string {
  const arn = env[APPROVALS_ENV.linkSecretArn];
  if (arn === undefined || !SECRET_ARN.test(arn)) {
    throw new StartupError(
      `vigil cannot start: ${APPROVALS_ENV.linkSecretArn} ${arn === undefined ? "is not set" : `${show(arn)} is not a Secrets Manager secret ARN`}; the Vigil construct sets it to the secret that signs approval links: redeploy the stack`,
    );
  }
  return arn;
}

/** Both link settings; throws a StartupError naming the one that is missing or wrong. */
export function readLinkSettings(env: Env): LinkSettings {
  return { baseUrl: readBaseUrl(env), linkSecretArn: readLinkSecretArn(env) };
}

/**
 * The link settings of a function that signs links when it can (evaluate, ingest, expiry): both
 * variables set, or neither (undefined: notifications carry no links). One without the other is a
 * StartupError, since it is a half-done deployment rather than a choice.
 */
export function readOptionalLinkSettings(env: Env): LinkSettings | undefined {
  const set = [APPROVALS_ENV.baseUrl, APPROVALS_ENV.linkSecretArn].filter(
    (name) => env[name] !== undefined && env[name] !== "",
  );
  if (set.length === 0) return undefined;
  if (set.length === 1) {
    const missing = set[0] === APPROVALS_ENV.baseUrl ? APPROVALS_ENV.linkSecretArn : APPROVALS_ENV.baseUrl;
    throw new StartupError(
      `vigil cannot start: ${set[0]} is set but ${missing} is not; approval links need both (where the approvals API answers and the secret that signs them). Set both, as the Vigil construct does (redeploy the stack), or neither for notifications without links`,
    );
  }
  return readLinkSettings(env);
}

/** The link secret cannot be read, or is too short to sign with. */
export class LinkSecretError extends VigilError {
  override name = "LinkSecretError";
}

/**
 * Fetches the key that signs approval links: the value of the Secrets Manager secret `arn`, its
 * UTF-8 bytes (a SecretString, as the Vigil construct generates it: 64 random characters) or its
 * bytes (a SecretBinary). Throws a LinkSecretError that names the secret and what to fix, never its
 * value: on a failed call, an empty secret, or one shorter than MIN_SECRET_BYTES.
 */
export async function fetchLinkSecret(client: SecretsManagerClient, arn: string): Promise<Buffer> {
  let output: GetSecretValueCommandOutput;
  try {
    output = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  } catch (error) {
    const name = error instanceof Error ? error.name : String(error);
    throw new LinkSecretError(
      `reading the link secret ${arn} (${APPROVALS_ENV.linkSecretArn}) failed with ${name}; the function's role needs secretsmanager:GetSecretValue on it (and kms:Decrypt on its key): redeploy the stack`,
      { cause: error, context: { arn } },
    );
  }
  const secret =
    output.SecretString !== undefined
      ? Buffer.from(output.SecretString, "utf8")
      : output.SecretBinary !== undefined
        ? Buffer.from(output.SecretBinary)
        : Buffer.alloc(0);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new LinkSecretError(
      `the link secret ${arn} holds ${secret.length} bytes; approval links need at least ${MIN_SECRET_BYTES} random bytes: put a new random value in it (e.g. aws secretsmanager put-secret-value --secret-id ${arn} --secret-string "$(openssl rand -base64 48)")`,
      { context: { arn } },
    );
  }
  return secret;
}

/**
 * The link key of a function that signs links only now and then (evaluate, ingest, expiry: when an
 * approval request is announced): fetched on first use rather than at every cold start, kept once
 * read, and fetched again on the next use after a failure (the announcement fails; its hand-off stays
 * pending and is retried).
 */
export function lazyLinkKey(client: SecretsManagerClient, arn: string): () => Promise<Buffer> {
  let key: Promise<Buffer> | undefined;
  return () => {
    key ??= fetchLinkSecret(client, arn).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}

/**
 * The link key of the approvals function, which verifies a link on every request: read at cold start,
 * a StartupError (saying `vigil cannot start`) when it cannot be used.
 */
export async function startupLinkKey(client: SecretsManagerClient, arn: string): Promise<Buffer> {
  try {
    return await fetchLinkSecret(client, arn);
  } catch (error) {
    if (!(error instanceof LinkSecretError)) throw error;
    throw new StartupError(`vigil cannot start: ${error.message}`, { cause: error, context: { arn } });
  }
}
