import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { BurstWindow, listed } from "./burst-window.ts";
import { describeCall } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext, subjectKey } from "./detection.ts";
import { expectedChange } from "./expected-change.ts";
import { readsSecretValues } from "./secret-read-unapproved.ts";

/** How far back reads count, and how long each rule stays quiet for a subject after firing. */
export const HARVEST_WINDOW_MS = 10 * 60_000;
/** Never-read secrets or parameters read in the window that make a harvest. */
export const HARVEST_THRESHOLD = 10;
/** The same, right after the credential listed the account's secrets or parameters. */
export const HARVEST_AFTER_LISTING_THRESHOLD = 3;
/** Distinct instances whose user data is read in the window that make a harvest. */
export const USER_DATA_THRESHOLD = 5;
/** Most secret ids remembered per subject as already read; the first learned is forgotten first. */
export const MAX_KNOWN_SECRETS = 500;

const LISTINGS: ReadonlySet<string> = new Set([
  "secretsmanager.amazonaws.com:ListSecrets",
  "ssm.amazonaws.com:DescribeParameters",
]);

/** The calls this detection reads, by event source: the EventBridge rules deliver these. */
export const CREDENTIAL_ACCESS_APIS: Readonly<Record<string, readonly string[]>> = apisBySource([
  "ec2.amazonaws.com:GetPasswordData",
  "ec2.amazonaws.com:DescribeInstanceAttribute",
  "secretsmanager.amazonaws.com:GetSecretValue",
  "secretsmanager.amazonaws.com:BatchGetSecretValue",
  "ssm.amazonaws.com:GetParameter",
  "ssm.amazonaws.com:GetParameters",
  "ssm.amazonaws.com:GetParametersByPath",
  ...LISTINGS,
]);

/** What one subject has read: secret and parameter ids (known), and when it last listed them. */
interface ReadHistory {
  known: Record<string, 1>;
  count: number;
  listedAt?: number;
}

const HISTORY = "credential-access";
const passwords = new BurstWindow("credential-access-passwords", HARVEST_WINDOW_MS);
const userData = new BurstWindow("credential-access-user-data", HARVEST_WINDOW_MS);
const secrets = new BurstWindow("credential-access-secrets", HARVEST_WINDOW_MS);

/** The instance a call reads from (`instanceId`, or EC2's `…Request.InstanceId`). */
function instanceOf(use: CredentialUse): string {
  return param(use, "instanceId") ?? "(instance not logged)";
}

function isUserDataRead(use: CredentialUse): boolean {
  return (
    use.eventSource === "ec2.amazonaws.com" &&
    use.eventName === "DescribeInstanceAttribute" &&
    param(use, "attribute") === "userData"
  );
}

/** What this use is, for the rules below. */
type Read =
  | { readonly kind: "password"; readonly item: string }
  | { readonly kind: "user-data"; readonly item: string }
  | { readonly kind: "scope" }
  | { readonly kind: "secrets"; readonly ids: readonly string[] }
  | { readonly kind: "listing" };

function readOf(use: CredentialUse): Read | undefined {
  if (use.eventSource === "ec2.amazonaws.com") {
    if (use.eventName === "GetPasswordData") return { kind: "password", item: instanceOf(use) };
    return isUserDataRead(use) ? { kind: "user-data", item: instanceOf(use) } : undefined;
  }
  if (LISTINGS.has(`${use.eventSource}:${use.eventName}`)) return { kind: "listing" };
  if (!readsSecretValues(use)) return undefined;
  if (use.secretScopes.some((s) => s.service === "secretsmanager" || s.prefix === "/" || s.prefix === ""))
    return { kind: "scope" };
  return use.secretIds.length > 0 ? { kind: "secrets", ids: use.secretIds } : undefined;
}

/** The secret ids of this read its subject never read before. */
function newIds(ids: readonly string[], history: ReadHistory | undefined): string[] {
  return ids.filter((id) => history?.known[id] !== 1);
}

/** The harvest this read completes: the never-read ids of the window, when they reach the threshold. */
function harvestOf(
  use: CredentialUse,
  ctx: DetectionContext,
  ids: readonly string[],
): readonly string[] | undefined {
  const key = subjectKey(use);
  const history = ctx.baselines.get<ReadHistory>(HISTORY, key);
  const fresh = newIds(ids, history);
  if (fresh.length === 0) return undefined;
  let view = secrets.view(ctx.baselines, key, fresh[0]!, use.eventTime);
  for (const id of fresh.slice(1))
    if (!view.items.includes(id)) view = { ...view, items: [...view.items, id] };
  if (view.cooling) return undefined;
  const listed = history?.listedAt !== undefined && use.eventTime - history.listedAt <= HARVEST_WINDOW_MS;
  const threshold = listed ? HARVEST_AFTER_LISTING_THRESHOLD : HARVEST_THRESHOLD;
  return view.items.length >= threshold ? view.items : undefined;
}

/** The signal's reason for `use`, or undefined. Shared by evaluate and learn, so both always agree. */
function judge(use: CredentialUse, ctx: DetectionContext, read: Read): string | undefined {
  const key = subjectKey(use);
  switch (read.kind) {
    case "password": {
      // A person fetching one Windows password in the console is ordinary; a machine never needs it.
      const view = passwords.view(ctx.baselines, key, read.item, use.eventTime);
      if (view.cooling || (use.fromConsole && view.items.length < USER_DATA_THRESHOLD)) return undefined;
      return describeCall(
        use,
        `retrieves the Windows administrator password of ${listed(view.items.map((i) => show(i, 40)))}`,
      );
    }
    case "user-data": {
      if (expectedChange(use, ctx) !== undefined && !use.fromConsole) return undefined;
      const view = userData.view(ctx.baselines, key, read.item, use.eventTime);
      if (view.cooling || view.items.length < USER_DATA_THRESHOLD) return undefined;
      return describeCall(
        use,
        `reads the user data of ${view.items.length} instances within 10 minutes (${listed(view.items.map((i) => show(i, 40)))}); user data often holds secrets`,
      );
    }
    case "scope": {
      const scope = use.secretScopes[0]!;
      const what = scope.service === "ssm" ? "every parameter" : "every secret";
      return describeCall(use, `reads ${what} matching ${scope.described} at once`);
    }
    case "secrets": {
      const harvest = harvestOf(use, ctx, read.ids);
      if (harvest === undefined) return undefined;
      return `${describeCall(use, `reads secrets and parameters it never read before: ${harvest.length} within 10 minutes`)}: ${listed(
        harvest.map((i) => show(i, 100)),
        5,
      )}`;
    }
    case "listing":
      return undefined;
  }
}

/**
 * `credential-access`: a credential reads credentials held elsewhere — an EC2 instance's Windows
 * password (GetPasswordData; in the console only several at once), the user data of
 * {@link USER_DATA_THRESHOLD} or more instances within ten minutes (user data often holds secrets;
 * declared deployers refreshing their stacks are exempt), every secret a BatchGetSecretValue filter
 * matches or every SecureString under `/` at once, or a harvest: {@link HARVEST_THRESHOLD}
 * secrets or decrypted parameters it never read before within ten minutes
 * ({@link HARVEST_AFTER_LISTING_THRESHOLD} right after listing them with ListSecrets or
 * DescribeParameters). Denied reads count: they are attempts. It fires during the learning period
 * too, and each rule stays quiet for ten minutes after it fires. Every secret read is learned, at
 * most {@link MAX_KNOWN_SECRETS} per subject, so a workload reading its own secrets stays quiet.
 */
export const credentialAccess: Detection = {
  id: "credential-access",
  title: "Harvests secrets, parameters, passwords or user data",
  weight: 30,
  attack: ["T1555.006", "T1552"],
  evaluate(use, ctx) {
    const read = readOf(use);
    if (read === undefined) return undefined;
    const reason = judge(use, ctx, read);
    return reason === undefined ? undefined : { id: "credential-access", reason };
  },
  learn(use, ctx) {
    const read = readOf(use);
    if (read === undefined) return;
    const key = subjectKey(use);
    const fired = judge(use, ctx, read) !== undefined;
    switch (read.kind) {
      case "password":
        passwords.add(ctx.baselines, key, read.item, use.eventTime, fired);
        return;
      case "user-data":
        userData.add(ctx.baselines, key, read.item, use.eventTime, fired);
        return;
      case "scope":
        return;
      case "listing": {
        if (use.errorCode !== undefined) return;
        const history = ctx.baselines.get<ReadHistory>(HISTORY, key) ?? { known: {}, count: 0 };
        ctx.baselines.set<ReadHistory>(HISTORY, key, { ...history, listedAt: use.eventTime });
        return;
      }
      case "secrets": {
        const history = ctx.baselines.get<ReadHistory>(HISTORY, key) ?? { known: {}, count: 0 };
        const fresh = newIds(read.ids, history);
        if (fresh.length === 0) return;
        for (const id of fresh) secrets.add(ctx.baselines, key, id, use.eventTime, fired);
        if (use.errorCode !== undefined) return;
        for (const id of fresh) {
          if (history.count >= MAX_KNOWN_SECRETS) forgetFirst(history);
          history.known[id] = 1;
          history.count++;
        }
        ctx.baselines.set(HISTORY, key, history);
      }
    }
  },
};

/** Forgets the first secret id learned, to make room. */
function forgetFirst(history: ReadHistory): void {
  for (const id in history.known) {
    delete history.known[id];
    history.count--;
    return;
  }
}
