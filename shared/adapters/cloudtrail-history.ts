import { CloudTrailClient, type Event, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { show, VigilError } from "../domain/errors.ts";
import type { RecordOrigin } from "../domain/event.ts";
import { type Clock, systemClock } from "../ports/clock.ts";
import type { SourceItem } from "../ports/record-source.ts";
import { type Sleep, timerSleep } from "../ports/sleep.ts";

/**
 * Reads the account's CloudTrail event history (the last 90 days of management events in one region)
 * through LookupEvents, for `vigil learn --from-cloudtrail --days N`. LookupEvents allows 2 requests
 * per second per account and region, so requests are paced and throttling is retried with backoff.
 */

/** Raised when the event history cannot be read; the message says what to do. */
export class CloudTrailHistoryError extends VigilError {
  override name = "CloudTrailHistoryError";
}

/** What items from the event history name as their file: `cloudtrail-lookup-events:<page>`. */
export const HISTORY_SOURCE = "cloudtrail-lookup-events";

/** Progress after each page, for a CLI progress line. */
export interface HistoryPage {
  /** 1-based page number. */
  readonly page: number;
  readonly events: number;
  /** Whether another page follows. */
  readonly more: boolean;
}

export interface LookupEventsOptions {
  /** Start of the time range (inclusive), as LookupEvents' StartTime. */
  readonly start: Date;
  /** End of the time range, as LookupEvents' EndTime. */
  readonly end: Date;
  /** Stops paging (and any wait) when aborted; the generator then throws the abort reason. */
  readonly signal?: AbortSignal;
  /** Called after each page. */
  readonly onPage?: (page: HistoryPage) => void;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default timerSleep */
  readonly sleep?: Sleep;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Attempts per page while throttled, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling; doubles per attempt. @default 500 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling. @default 20000 */
  readonly maxDelayMs?: number;
  /** Least time between two requests: 500 ms keeps to the 2 requests/s LookupEvents allows. @default 500 */
  readonly minIntervalMs?: number;
}

/** LookupEvents returns at most 50 events per page. */
export const LOOKUP_PAGE_SIZE = 50;

/**
 * Yields every event of the time range (LookupEvents returns the newest first) as a SourceItem whose
 * value is the parsed `CloudTrailEvent` record, so the replay pipeline reads it like a trail file. An
 * event whose record is not a JSON object is yielded as an error item; it never stops the run. Follows
 * NextToken to the end, paces requests to at most one per `minIntervalMs`, and retries throttling with
 * full-jitter exponential backoff up to `maxAttempts`. Origins read `cloudtrail-lookup-events:<page>`.
 *
 * @example
 * const client = createCloudTrailClient({ region: "eu-central-1" });
 * for await (const item of lookupEvents(client, { start, end })) {
 *   if (item.kind === "value") normalizeRecord(item.value, item.origin);
 * }
 */
export async function* lookupEvents(
  client: CloudTrailClient,
  options: LookupEventsOptions,
): AsyncGenerator<SourceItem, void, undefined> {
  const { start, end, signal, onPage } = options;
  if (!(start.getTime() < end.getTime())) {
    throw new CloudTrailHistoryError(
      `the time range is empty: start ${start.toISOString()} is not before end ${end.toISOString()}; ` +
        "pass a positive --days",
    );
  }
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? timerSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const minIntervalMs = options.minIntervalMs ?? 500;

  let lastRequestAt: number | undefined;
  const paced = async (): Promise<void> => {
    if (lastRequestAt !== undefined) {
      const wait = lastRequestAt + minIntervalMs - clock.now();
      if (wait > 0) await sleep(wait, signal);
    }
    lastRequestAt = clock.now();
  };

  let nextToken: string | undefined;
  let page = 0;
  let index = 0;
  do {
    page++;
    const input = {
      StartTime: start,
      EndTime: end,
      MaxResults: LOOKUP_PAGE_SIZE,
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
    let events: Event[] | undefined;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      await paced();
      try {
        const output = await client.send(
          new LookupEventsCommand(input),
          signal === undefined ? {} : { abortSignal: signal },
        );
        events = output.Events ?? [];
        nextToken = output.NextToken === "" ? undefined : output.NextToken;
        break;
      } catch (error) {
        signal?.throwIfAborted();
        if (!isThrottling(error)) {
          throw new CloudTrailHistoryError(
            `CloudTrail LookupEvents failed on page ${page}: ${describeError(error)}; ` +
              "check the credentials, the region and the cloudtrail:LookupEvents permission",
            { cause: error, context: { page } },
          );
        }
        if (attempt >= maxAttempts) {
          throw new CloudTrailHistoryError(
            `CloudTrail LookupEvents kept throttling after ${attempt} attempts; try again later or lower --days`,
            { cause: error, context: { page, attempts: attempt } },
          );
        }
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.floor(random() * ceiling), signal);
      }
    }
    for (const event of events) yield parseEvent(event, { file: HISTORY_SOURCE, line: page, index: index++ });
    onPage?.({ page, events: events.length, more: nextToken !== undefined });
  } while (nextToken !== undefined);
}

function parseEvent(event: Event, origin: RecordOrigin): SourceItem {
  const id = `event ${event.EventId ?? "(no EventId)"}`;
  const raw = event.CloudTrailEvent;
  if (raw === undefined) return { kind: "error", error: `${id} has no CloudTrailEvent`, origin };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      kind: "error",
      error: `${id}: CloudTrailEvent is not JSON (${reason}): ${show(raw, 60)}`,
      origin,
    };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { kind: "error", error: `${id}: CloudTrailEvent is not a JSON object: ${show(raw, 60)}`, origin };
  }
  return { kind: "value", value, origin };
}

const THROTTLING_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);

function isThrottling(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (typeof name === "string" && THROTTLING_NAMES.has(name)) || $metadata?.httpStatusCode === 429;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

/**
 * Builds a CloudTrail client on the default credential chain (environment, shared config and SSO,
 * container and instance roles), resolved on the first request: building it makes no network call.
 * The SDK's own retries are off (`maxAttempts: 1`) so that `lookupEvents` alone paces and backs off.
 *
 * @example
 * const client = createCloudTrailClient({ region: "us-east-1", endpoint: "http://127.0.0.1:4566" });
 */
export function createCloudTrailClient(
  options: { region?: string; endpoint?: string } = {},
): CloudTrailClient {
  return new CloudTrailClient({
    maxAttempts: 1,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
}
