import * as z from "zod";
import { CloudTrailHistoryError } from "../../shared/adapters/cloudtrail-history.ts";
import { show, VigilError } from "../../shared/domain/errors.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { SourceItem } from "../../shared/ports/record-source.ts";
import type { FunctionLog } from "../common/log.ts";
import { BaselineSeeder, type SeederDeps } from "./baseline-seeder.ts";

/** The seed could not run: the request is not a custom resource event, or the history cannot be read. */
export class SeedError extends VigilError {
  override name = "SeedError";
}

/** The physical id of the seed resource: one per stack, stable across updates (no replacement). */
export const SEED_RESOURCE_ID = "vigil-baseline-seed";

/** Days of event history LookupEvents keeps, and the default read. */
export const MAX_SEED_DAYS = 90;
export const DEFAULT_SEED_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * The custom resource's properties, as CloudFormation sends them (every value a string): `Days` of
 * history to read, and `ProfilesHash`, the hash of the bundled config, so that an update re-seeds
 * only when what is learned could differ.
 */
export const seedPropertiesSchema = z.object({
  Days: z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: `must be from 1 to ${MAX_SEED_DAYS}` })
    .max(MAX_SEED_DAYS, { error: `must be from 1 to ${MAX_SEED_DAYS} (LookupEvents keeps 90 days)` })
    .default(DEFAULT_SEED_DAYS),
  ProfilesHash: z.string().min(1, { error: "must be the hash of the bundled config" }),
});

const base = { RequestId: z.string().optional(), LogicalResourceId: z.string().optional() };
const requestSchema = z.discriminatedUnion("RequestType", [
  z.object({ ...base, RequestType: z.literal("Create"), ResourceProperties: z.unknown() }),
  z.object({
    ...base,
    RequestType: z.literal("Update"),
    PhysicalResourceId: z.string().min(1),
    ResourceProperties: z.unknown(),
    OldResourceProperties: z.unknown(),
  }),
  z.object({ ...base, RequestType: z.literal("Delete"), PhysicalResourceId: z.string().min(1) }),
]);

/** What the Provider framework hands back to CloudFormation. */
export interface SeedResult {
  readonly PhysicalResourceId: string;
  readonly Data: {
    /** Records read from the event history. */
    readonly records: number;
    /** Distinct baselines written. */
    readonly baselines: number;
    /** Days of history covered, newest first (less than asked when time ran short), one decimal. */
    readonly daysCovered: number;
  };
}

/** A time range of history to read, and the signal that stops reading it. */
export interface HistoryRange {
  readonly start: Date;
  readonly end: Date;
  readonly signal: AbortSignal;
}

/** What the seed handler needs. */
export interface SeedDeps {
  /** The seeder's ports; a new seeder is made per invocation. */
  readonly seeder: SeederDeps;
  /** The event history of the range, newest first (LookupEvents). */
  readonly history: (range: HistoryRange) => AsyncIterable<SourceItem>;
  readonly clock: Clock;
  readonly log: FunctionLog;
  /** Time kept back from the invocation's remaining time to write what was learned. @default 60000 */
  readonly reserveMs?: number;
}

/** The part of the Lambda context the handler reads: how long the invocation may still run. */
export interface InvocationTime {
  getRemainingTimeInMillis(): number;
}

function parseProperties(value: unknown, what: string) {
  const parsed = seedPropertiesSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const name = String(i.path[0] ?? "properties");
    const given = (value as Record<string, unknown> | undefined)?.[name];
    return `${name}${given === undefined ? " is missing" : ` ${show(given)}`}: ${i.message}`;
  });
  throw new SeedError(
    `the baseline seed's ${what} are wrong: ${problems.join("; ")}. Set the Vigil construct's seed days (1 to ${MAX_SEED_DAYS}) and deploy again`,
    { context: { problems } },
  );
}

const THROTTLED = /^(ThrottlingException|Throttling|TooManyRequestsException|RequestLimitExceeded)$/;

/** LookupEvents kept throttling: slow history, not a fault. */
function isThrottled(error: unknown): boolean {
  if (!(error instanceof CloudTrailHistoryError)) return false;
  const cause = error.cause as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  return (
    (typeof cause?.name === "string" && THROTTLED.test(cause.name)) ||
    cause?.$metadata?.httpStatusCode === 429
  );
}

const oneDecimal = (days: number) => Math.max(0, Math.floor(days * 10) / 10);

/**
 * The first-deploy baseline seed, a CloudFormation custom resource behind the CDK Provider framework.
 * On Create, and on Update when `ProfilesHash` changed, it reads the last `Days` days of management
 * events from the account's CloudTrail event history and learns the baselines from them into the
 * state the evaluate function reads (see {@link BaselineSeeder}), so vigil does not start blind.
 * Delete does nothing (learned baselines stay with the table).
 *
 * It never fails a deployment because history is slow: it stops reading when the invocation's time
 * runs short (keeping `reserveMs` to write) or when LookupEvents keeps throttling, and succeeds with
 * what it learned, saying in `daysCovered` how far back that reaches. It fails, with a message naming
 * the cause and the fix, on real errors: wrong properties, access denied, an unreadable table.
 */
export function createSeedHandler(
  deps: SeedDeps,
): (event: unknown, context?: InvocationTime) => Promise<SeedResult> {
  const { clock, log } = deps;
  const reserveMs = deps.reserveMs ?? 60_000;
  return async (event, context) => {
    const request = requestSchema.safeParse(event);
    if (!request.success) {
      throw new SeedError(
        `expected a CloudFormation custom resource event {RequestType: Create|Update|Delete, ResourceProperties}, got ${show(event, 160)}`,
      );
    }
    const req = request.data;
    const none = { records: 0, baselines: 0, daysCovered: 0 };
    if (req.RequestType === "Delete") {
      log.info("baseline seed deleted: learned baselines stay in the table", { requestId: req.RequestId });
      return { PhysicalResourceId: req.PhysicalResourceId, Data: none };
    }
    const properties = parseProperties(req.ResourceProperties, "properties");
    const physicalId = req.RequestType === "Update" ? req.PhysicalResourceId : SEED_RESOURCE_ID;
    if (req.RequestType === "Update") {
      const old = seedPropertiesSchema.safeParse(req.OldResourceProperties);
      if (old.success && old.data.ProfilesHash === properties.ProfilesHash) {
        log.info("baseline seed: profiles unchanged, nothing to learn again", {
          profilesHash: properties.ProfilesHash,
        });
        return { PhysicalResourceId: physicalId, Data: none };
      }
    }

    const now = clock.now();
    const end = new Date(now);
    const start = new Date(now - properties.Days * DAY_MS);
    const deadline = context === undefined ? undefined : now + context.getRemainingTimeInMillis() - reserveMs;
    const stop = new AbortController();
    const timer =
      deadline === undefined ? undefined : setTimeout(() => stop.abort(), Math.max(0, deadline - now));
    const seeder = new BaselineSeeder(deps.seeder);
    let cutShort: "time" | "throttling" | undefined;
    let failure: unknown;
    log.info("baseline seed: reading event history", {
      requestType: req.RequestType,
      days: properties.Days,
      start: start.toISOString(),
      end: end.toISOString(),
    });
    try {
      for await (const item of deps.history({ start, end, signal: stop.signal })) {
        await seeder.take(item);
        if (deadline !== undefined && clock.now() >= deadline) {
          cutShort = "time";
          break;
        }
      }
    } catch (error) {
      if (stop.signal.aborted) cutShort = "time";
      else if (isThrottled(error)) cutShort = "throttling";
      else failure = error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    try {
      await seeder.flush();
    } catch (error) {
      failure ??= error;
    }
    const summary = seeder.summary();
    if (failure !== undefined) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      log.error("baseline seed failed", { error: failure, learnedBeforeFailing: summary });
      throw new SeedError(
        `seeding baselines from CloudTrail event history failed: ${reason}. The seed function's role needs cloudtrail:LookupEvents (the Vigil construct grants it); fix the cause and deploy again (${summary.baselines} baselines were written before the failure)`,
        { cause: failure, context: { summary } },
      );
    }
    const daysCovered =
      cutShort === undefined
        ? properties.Days
        : summary.oldest === undefined
          ? 0
          : oneDecimal(Math.min(properties.Days, (now - summary.oldest) / DAY_MS));
    const data = { records: summary.records, baselines: summary.baselines, daysCovered };
    const attributes = { ...summary, daysAsked: properties.Days, daysCovered };
    if (cutShort === undefined) log.info("baseline seed done", attributes);
    else {
      log.warn(
        cutShort === "time"
          ? "baseline seed stopped early: the invocation's time ran short; the rest of the history is learned from live events"
          : "baseline seed stopped early: LookupEvents kept throttling; the rest of the history is learned from live events",
        attributes,
      );
    }
    return { PhysicalResourceId: physicalId, Data: data };
  };
}
