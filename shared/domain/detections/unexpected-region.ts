import { show } from "../errors.ts";
import type { CredentialUse } from "../event.ts";
import { type Detection, subjectKey } from "./detection.ts";

const NAMESPACE = "unexpected-region";
/** Most regions remembered per subject; AWS has fewer, so this only guards against garbage input. */
export const MAX_REGIONS = 64;

/**
 * Services whose calls CloudTrail logs in us-east-1 (or the partition's home region) whatever region
 * the caller works in: their region says nothing about where the credential is used.
 */
const GLOBAL_SERVICES: ReadonlySet<string> = new Set([
  "iam.amazonaws.com",
  "organizations.amazonaws.com",
  "route53.amazonaws.com",
  "route53domains.amazonaws.com",
  "cloudfront.amazonaws.com",
  "support.amazonaws.com",
  "health.amazonaws.com",
  "account.amazonaws.com",
  "billing.amazonaws.com",
  "billingconsole.amazonaws.com",
  "ce.amazonaws.com",
  "cur.amazonaws.com",
  "budgets.amazonaws.com",
  "signin.amazonaws.com",
]);

/** What unexpected-region keeps per subject: each region seen, with when it was first seen (epoch ms). */
interface SeenRegions {
  regions: Record<string, number>;
}

/** The region a call says something about, or undefined for region-less and global-service calls. */
function regionOf(use: CredentialUse): string | undefined {
  const region = use.region;
  if (region === undefined || region === "") return undefined;
  if (GLOBAL_SERVICES.has(use.eventSource)) return undefined;
  // STS's global endpoint logs us-east-1; regional STS endpoints log their own region.
  if (region === "us-east-1" && use.eventSource === "sts.amazonaws.com") return undefined;
  return region;
}

/**
 * `unexpected-region`: a call in a region outside the profile's declared `regions`, or, when the profile
 * declares none, after the learning period, a region never seen for this credential. Declared regions
 * are a statement by the owner, so they are enforced during the learning period too; learned regions
 * are not. Global services (IAM, Organizations, Route 53, CloudFront, billing, sign-in, STS's global
 * endpoint) are ignored because CloudTrail logs them in us-east-1 wherever the caller is.
 */
export const unexpectedRegion: Detection = {
  id: "unexpected-region",
  title: "Used in a region outside its declared or learned set",
  weight: 12,
  attack: ["T1078.004", "T1535"],
  evaluate(use, ctx) {
    const region = regionOf(use);
    if (region === undefined) return undefined;
    const declared = ctx.profile?.regions;
    if (declared !== undefined) {
      if (declared.has(region)) return undefined;
      const list = declared.size === 0 ? "none" : [...declared].join(", ");
      return {
        id: "unexpected-region",
        reason: `${actionOf(use)} in ${region}, outside the regions declared by profile ${show(ctx.profile?.id)} (${list})`,
      };
    }
    if (ctx.history.learning) return undefined;
    const seen = ctx.baselines.get<SeenRegions>(NAMESPACE, subjectKey(use));
    if (seen !== undefined && Object.hasOwn(seen.regions, region)) return undefined;
    const learned = seen === undefined ? "none" : Object.keys(seen.regions).join(", ");
    return {
      id: "unexpected-region",
      reason: `first call of ${subjectKey(use)} in ${region} (${actionOf(use)}); regions seen before: ${learned}`,
    };
  },
  learn(use, ctx) {
    const region = regionOf(use);
    if (region === undefined) return;
    const key = subjectKey(use);
    const seen = ctx.baselines.get<SeenRegions>(NAMESPACE, key);
    if (seen === undefined) {
      ctx.baselines.set<SeenRegions>(NAMESPACE, key, { regions: { [region]: use.eventTime } });
      return;
    }
    if (Object.hasOwn(seen.regions, region)) return;
    if (Object.keys(seen.regions).length >= MAX_REGIONS) return;
    seen.regions[region] = use.eventTime;
    ctx.baselines.set(NAMESPACE, key, seen);
  },
};

function actionOf(use: CredentialUse): string {
  const dot = use.eventSource.indexOf(".");
  return `${dot === -1 ? use.eventSource : use.eventSource.slice(0, dot)}:${use.eventName}`;
}
