import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { text } from "../normalize/record-schema.ts";
import { field } from "../policy-document.ts";
import { BurstWindow } from "./burst-window.ts";
import { describeCall } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext, subjectKey } from "./detection.ts";
import { expectedChange } from "./expected-change.ts";

/** Instances asked for in one call that are unusually many. */
export const MANY_INSTANCES = 10;
/** Instances asked for by one credential within the window that are unusually many. */
export const MANY_INSTANCES_IN_WINDOW = 20;
export const LAUNCH_WINDOW_MS = 10 * 60_000;

/** GPU, machine-learning and FPGA families: what miners and model thieves launch. */
const ACCELERATED = /^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)[a-z0-9-]*\./;

const FAMILIES = "compute-abuse";
const launches = new BurstWindow("compute-abuse-launches", LAUNCH_WINDOW_MS);

/** The families of accelerated instances one subject has launched before, with when. */
type KnownFamilies = Record<string, number>;

interface Launch {
  readonly instanceType?: string;
  readonly count: number;
}

function count(value: unknown): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : 1;
}

function launchOf(use: CredentialUse): Launch | undefined {
  if (use.eventSource !== "ec2.amazonaws.com") return undefined;
  const params = use.requestParameters;
  if (use.eventName === "RunInstances") {
    const itemsField = field(params?.instancesSet, "items");
    const items = Array.isArray(itemsField) ? itemsField : [];
    const total = items.reduce<number>(
      (sum, item) => sum + count(field(item, "maxCount") ?? field(item, "minCount")),
      0,
    );
    return { instanceType: param(use, "instanceType"), count: Math.max(total, 1) };
  }
  if (use.eventName === "RequestSpotInstances") {
    return {
      instanceType: text(field(params?.launchSpecification, "instanceType")),
      count: count(params?.instanceCount),
    };
  }
  return undefined;
}

/** `p3` of `p3.2xlarge`. */
function familyOf(instanceType: string): string {
  return instanceType.slice(0, instanceType.indexOf("."));
}

/** The instances asked for in the window, this call included. */
function launchedInWindow(use: CredentialUse, ctx: DetectionContext, launch: Launch): number {
  const view = launches.view(ctx.baselines, subjectKey(use), `${use.eventId}#${launch.count}`, use.eventTime);
  return view.items.reduce((sum, item) => sum + count(item.slice(item.lastIndexOf("#") + 1)), 0);
}

function judge(use: CredentialUse, ctx: DetectionContext, launch: Launch): string | undefined {
  if (use.source.kind === "aws-service" || expectedChange(use, ctx) !== undefined) return undefined;
  const type = launch.instanceType;
  if (type !== undefined && ACCELERATED.test(type)) {
    const known = ctx.baselines.get<KnownFamilies>(FAMILIES, subjectKey(use));
    if (known?.[familyOf(type)] === undefined) {
      return describeCall(
        use,
        `launches ${launch.count} accelerated ${show(type, 40)} instance${launch.count === 1 ? "" : "s"}, a family it never launched`,
      );
    }
  }
  if (launch.count >= MANY_INSTANCES) {
    return describeCall(
      use,
      `launches ${launch.count} ${show(type ?? "(type not logged)", 40)} instances at once`,
    );
  }
  const total = launchedInWindow(use, ctx, launch);
  if (total >= MANY_INSTANCES_IN_WINDOW) {
    return describeCall(
      use,
      `launches ${total} instances within 10 minutes, this call ${show(type ?? "(type not logged)", 40)}`,
    );
  }
  return undefined;
}

/** The calls this detection judges, by event source. */
export const COMPUTE_ABUSE_APIS: Readonly<Record<string, readonly string[]>> = apisBySource([
  "ec2.amazonaws.com:RunInstances",
  "ec2.amazonaws.com:RequestSpotInstances",
]);

/**
 * `compute-abuse`: a credential launches compute for someone else's benefit — accelerated (GPU,
 * machine-learning, FPGA) instances of a family it never launched, or unusually many instances
 * ({@link MANY_INSTANCES} in one call, {@link MANY_INSTANCES_IN_WINDOW} within ten minutes), with
 * RunInstances or RequestSpotInstances. Denied attempts count (stolen keys are usually refused
 * first). Declared deployers, CloudFormation, the console and AWS services (Auto Scaling) launching
 * for the caller are exempt. Launched families are learned per credential.
 */
export const computeAbuse: Detection = {
  id: "compute-abuse",
  title: "Launched GPU or unusually many instances",
  weight: 28,
  attack: ["T1496.001", "T1578.002"],
  evaluate(use, ctx) {
    const launch = launchOf(use);
    if (launch === undefined) return undefined;
    const reason = judge(use, ctx, launch);
    return reason === undefined ? undefined : { id: "compute-abuse", reason };
  },
  learn(use, ctx) {
    const launch = launchOf(use);
    if (launch === undefined) return;
    const key = subjectKey(use);
    const fired = judge(use, ctx, launch) !== undefined;
    launches.add(ctx.baselines, key, `${use.eventId}#${launch.count}`, use.eventTime, fired);
    const type = launch.instanceType;
    if (use.errorCode !== undefined || type === undefined || !ACCELERATED.test(type)) return;
    const known = ctx.baselines.get<KnownFamilies>(FAMILIES, key) ?? {};
    if (known[familyOf(type)] !== undefined) return;
    ctx.baselines.set<KnownFamilies>(FAMILIES, key, { ...known, [familyOf(type)]: use.eventTime });
  },
};
