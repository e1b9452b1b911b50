import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { BurstWindow } from "./burst-window.ts";
import { describeCall } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext, subjectKey } from "./detection.ts";
import { expectedChange } from "./expected-change.ts";

export const DESTRUCTION_WINDOW_MS = 10 * 60_000;
/** Objects deleted from one bucket within the window that make a mass deletion. */
export const MASS_DELETION = 30;
/** The same right after the credential listed the bucket's object versions (emptying it for good). */
export const MASS_DELETION_AFTER_LISTING = 10;
/** Objects written with a customer-provided key (SSE-C) within the window that make a ransom encryption. */
export const CUSTOMER_KEY_WRITES = 5;
/** What one DeleteObjects call counts for: CloudTrail does not log how many keys it deleted (up to 1,000). */
const BATCH_WEIGHT = 10;

const SSE_C = "x-amz-server-side-encryption-customer-algorithm";
/** The role CDK's `autoDeleteObjects` uses to empty a bucket when its stack is deleted. */
const CDK_AUTO_DELETE = /CustomS3AutoDeleteObjectsCustomResourceProvider/;

const deletions = new BurstWindow("data-destruction-deletes", DESTRUCTION_WINDOW_MS, 200);
const encryptions = new BurstWindow("data-destruction-sse-c", DESTRUCTION_WINDOW_MS);
const LISTED = "data-destruction-listed";

/** When a subject last listed each bucket's object versions. */
type Listings = Record<string, number>;

type Destruction =
  | { readonly kind: "delete"; readonly bucket: string; readonly item: string }
  | { readonly kind: "encrypt"; readonly bucket: string; readonly item: string }
  | { readonly kind: "list-versions"; readonly bucket: string };

function destructionOf(use: CredentialUse): Destruction | undefined {
  if (use.eventSource !== "s3.amazonaws.com") return undefined;
  const bucket = param(use, "bucketName") ?? "(bucket not logged)";
  const key = param(use, "key") ?? "?";
  switch (use.eventName) {
    case "DeleteObject":
      return { kind: "delete", bucket, item: `${bucket}/${key}#${param(use, "versionId") ?? ""}` };
    case "DeleteObjects":
      return { kind: "delete", bucket, item: `${bucket}/*batch ${use.eventId}` };
    case "PutObject":
    case "CopyObject":
      return use.requestParameters?.[SSE_C] === undefined
        ? undefined
        : { kind: "encrypt", bucket, item: `${bucket}/${key}` };
    case "ListObjectVersions":
      return { kind: "list-versions", bucket };
    default:
      return undefined;
  }
}

function exempt(use: CredentialUse, ctx: DetectionContext): boolean {
  return (
    use.source.kind === "aws-service" ||
    expectedChange(use, ctx) !== undefined ||
    CDK_AUTO_DELETE.test(use.principal.arn)
  );
}

function judge(use: CredentialUse, ctx: DetectionContext, d: Destruction): string | undefined {
  if (d.kind === "list-versions" || exempt(use, ctx)) return undefined;
  const key = subjectKey(use);
  const prefix = `${d.bucket}/`;
  if (d.kind === "encrypt") {
    const view = encryptions.view(ctx.baselines, key, d.item, use.eventTime);
    const inBucket = view.items.filter((i) => i.startsWith(prefix)).length;
    if (view.cooling || inBucket < CUSTOMER_KEY_WRITES) return undefined;
    return describeCall(
      use,
      `rewrites ${inBucket} objects of bucket ${show(d.bucket, 80)} within 10 minutes with a customer-provided key (SSE-C): only the key's holder can read them back`,
    );
  }
  const view = deletions.view(ctx.baselines, key, d.item, use.eventTime);
  if (view.cooling) return undefined;
  let deleted = 0;
  let batches = 0;
  for (const item of view.items) {
    if (!item.startsWith(prefix)) continue;
    if (item.includes("/*batch ")) batches++;
    else deleted++;
  }
  const listedAt = ctx.baselines.get<Listings>(LISTED, key)?.[d.bucket];
  const listed = listedAt !== undefined && use.eventTime - listedAt <= DESTRUCTION_WINDOW_MS;
  const weight = deleted + BATCH_WEIGHT * batches;
  if (weight < (listed ? MASS_DELETION_AFTER_LISTING : MASS_DELETION)) return undefined;
  const what = [
    deleted > 0 ? `${deleted} objects` : "",
    batches > 0 ? `${batches} DeleteObjects batch${batches === 1 ? "" : "es"}` : "",
  ]
    .filter((p) => p !== "")
    .join(" and ");
  const after = listed ? ", right after listing its object versions" : "";
  return describeCall(use, `deletes ${what} from bucket ${show(d.bucket, 80)} within 10 minutes${after}`);
}

/** The S3 calls this detection reads (data events: the trail must log them). */
export const DATA_DESTRUCTION_APIS: Readonly<Record<string, readonly string[]>> = apisBySource([
  "s3.amazonaws.com:DeleteObject",
  "s3.amazonaws.com:DeleteObjects",
  "s3.amazonaws.com:ListObjectVersions",
]);
/** Writes with a customer-provided key: the EventBridge rule matches these by the SSE-C header. */
export const CUSTOMER_KEY_HEADER = SSE_C;

/**
 * `data-destruction` (S3 ransomware): one credential deletes a bucket's objects en masse —
 * {@link MASS_DELETION} objects within ten minutes (a DeleteObjects batch counts as
 * {@link BATCH_WEIGHT}, for CloudTrail does not log its keys), or {@link MASS_DELETION_AFTER_LISTING}
 * right after listing the bucket's object versions (emptying a versioned bucket for good) — or
 * rewrites {@link CUSTOMER_KEY_WRITES} of its objects with a customer-provided key (SSE-C), which
 * only the key's holder can read back. These are S3 data events: the trail must log them. Denied
 * attempts count. Declared deployers, CloudFormation, the console, AWS services and CDK's
 * `autoDeleteObjects` provider are exempt. One signal per ten minutes per credential and kind.
 */
export const dataDestruction: Detection = {
  id: "data-destruction",
  title: "Deleted or re-encrypted a bucket's objects en masse",
  weight: 35,
  attack: ["T1485", "T1486"],
  evaluate(use, ctx) {
    const d = destructionOf(use);
    if (d === undefined) return undefined;
    const reason = judge(use, ctx, d);
    return reason === undefined ? undefined : { id: "data-destruction", reason };
  },
  learn(use, ctx) {
    const d = destructionOf(use);
    if (d === undefined) return;
    const key = subjectKey(use);
    if (d.kind === "list-versions") {
      if (use.errorCode !== undefined) return;
      // Only listings still inside the window matter: older ones are dropped, so the state stays small.
      const recent = Object.entries(ctx.baselines.get<Listings>(LISTED, key) ?? {}).filter(
        ([, at]) => use.eventTime - at <= DESTRUCTION_WINDOW_MS,
      );
      ctx.baselines.set<Listings>(LISTED, key, { ...Object.fromEntries(recent), [d.bucket]: use.eventTime });
      return;
    }
    const fired = judge(use, ctx, d) !== undefined;
    (d.kind === "encrypt" ? encryptions : deletions).add(ctx.baselines, key, d.item, use.eventTime, fired);
  },
};
