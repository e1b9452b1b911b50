import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { describeCall } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext, subjectKey } from "./detection.ts";
import { expectedChange } from "./expected-change.ts";

/** How long a model-availability probe makes a first invocation suspicious, and the cooldown after a signal. */
export const PROBE_WINDOW_MS = 60 * 60_000;

const SOURCE = "bedrock.amazonaws.com";
/** Requests for access to a model: accepting its offer, its use case form, the entitlement. */
const ACCESS_REQUESTS: ReadonlySet<string> = new Set([
  "PutUseCaseForModelAccess",
  "CreateFoundationModelAgreement",
  "PutFoundationModelEntitlement",
]);
/** Checks of which models the account may use: what LLM-hijacking tools ask before invoking. */
const PROBES: ReadonlySet<string> = new Set([
  "GetFoundationModelAvailability",
  "ListFoundationModelAgreementOffers",
  "GetUseCaseForModelAccess",
  "ListFoundationModels",
]);
const INVOCATIONS: ReadonlySet<string> = new Set([
  "InvokeModel",
  "InvokeModelWithResponseStream",
  "Converse",
  "ConverseStream",
]);

/** The Bedrock calls this detection reads; the rule for them must see read-only events. */
export const MODEL_ABUSE_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(
  [...ACCESS_REQUESTS, ...PROBES, ...INVOCATIONS].map((name) => `${SOURCE}:${name}`),
);

/** What one subject has done with Bedrock. */
interface ModelUse {
  /** First successful invocation: from then on, invoking is what this credential does. */
  usedAt?: number;
  /** Last probe of model availability or access request. */
  probedAt?: number;
  firedAt?: number;
}

function model(use: CredentialUse): string {
  return show(param(use, "modelId") ?? param(use, "modelIdentifier") ?? "(model not logged)", 100);
}

/** Why a first invocation is suspicious, or undefined when nothing makes it so. */
function suspicion(
  use: CredentialUse,
  ctx: DetectionContext,
  state: ModelUse | undefined,
): string | undefined {
  if (!ctx.history.learning) return "a credential that never used Bedrock";
  if (use.errorCode !== undefined) return "a credential that never used Bedrock, refused";
  if (state?.probedAt !== undefined && use.eventTime - state.probedAt <= PROBE_WINDOW_MS) {
    return "right after probing which models the account may use";
  }
  if (
    use.credential.kind === "access-key" &&
    use.source.kind === "ip" &&
    ctx.network.classify(use.source.ip ?? "") === "public"
  ) {
    return "a long-term key used from outside AWS, on its first Bedrock call";
  }
  return undefined;
}

function judge(use: CredentialUse, ctx: DetectionContext): string | undefined {
  if (use.eventSource !== SOURCE) return undefined;
  const state = ctx.baselines.get<ModelUse>("model-abuse", subjectKey(use));
  if (
    state?.firedAt !== undefined &&
    use.eventTime - state.firedAt < PROBE_WINDOW_MS &&
    use.eventTime >= state.firedAt
  ) {
    return undefined;
  }
  if (ACCESS_REQUESTS.has(use.eventName)) {
    return expectedChange(use, ctx) === undefined
      ? describeCall(use, "requests access to a foundation model")
      : undefined;
  }
  if (!INVOCATIONS.has(use.eventName) || state?.usedAt !== undefined || use.fromConsole) return undefined;
  const why = suspicion(use, ctx, state);
  return why === undefined ? undefined : describeCall(use, `invokes model ${model(use)}: ${why}`);
}

/**
 * `model-abuse` (LLM hijacking): a credential requests access to a foundation model (outside the
 * console, a deployer or a stack), or invokes Bedrock models for the first time when that is
 * suspicious: after its learning period, when refused, within an hour of probing which models the
 * account may use, or as a long-term key from outside AWS. A credential that invokes models as its
 * job is learned at its first successful invocation and stays quiet. One signal per hour at most.
 */
export const modelAbuse: Detection = {
  id: "model-abuse",
  title: "Requested model access or invoked Bedrock for the first time",
  weight: 30,
  attack: ["T1496.004"],
  evaluate(use, ctx) {
    const reason = judge(use, ctx);
    return reason === undefined ? undefined : { id: "model-abuse", reason };
  },
  learn(use, ctx) {
    if (use.eventSource !== SOURCE) return;
    const probe = PROBES.has(use.eventName) || ACCESS_REQUESTS.has(use.eventName);
    const firstUse = INVOCATIONS.has(use.eventName) && use.errorCode === undefined;
    const fired = judge(use, ctx) !== undefined;
    if (!probe && !fired && !firstUse) return;
    const key = subjectKey(use);
    const state = { ...ctx.baselines.get<ModelUse>("model-abuse", key) };
    if (state.usedAt !== undefined && !probe && !fired) return;
    if (probe) state.probedAt = use.eventTime;
    if (fired) state.firedAt = use.eventTime;
    if (firstUse && state.usedAt === undefined) state.usedAt = use.eventTime;
    ctx.baselines.set<ModelUse>("model-abuse", key, state);
  },
};
