import {
  CloudTrailClient,
  type Event,
  InvalidTimeRangeException,
  LookupEventsCommand,
  ThrottlingException,
} from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CloudTrailHistoryError,
  createCloudTrailClient,
  type LookupEventsOptions,
  lookupEvents,
} from "../../shared/adapters/cloudtrail-history.ts";
import type { SourceItem } from "../../shared/ports/record-source.ts";

const START = new Date("2026-02-24T00:00:00Z");
const END = new Date("2026-03-03T00:00:00Z");
const ACCOUNT = "111122223333";

/** A real-shaped LookupEvents event: the record itself travels as a JSON string. */
function event(n: number, record: Record<string, unknown> = {}): Event {
  const eventId = `5b8e1c7a-0000-4000-8000-${String(n).padStart(12, "0")}`;
  const eventTime = new Date(END.getTime() - n * 60_000);
  const full = {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: "AROAEXAMPLEROLE00001:ci-run-42",
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/ci-run-42`,
      accountId: ACCOUNT,
      accessKeyId: "ASIAEXAMPLESESSION01",
    },
    eventTime: eventTime.toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: "iam.amazonaws.com",
    eventName: "GetRole",
    awsRegion: "us-east-1",
    sourceIPAddress: "203.0.113.10",
    userAgent: "aws-cli/2.17.32",
    requestParameters: { roleName: "app-orders" },
    responseElements: null,
    eventID: eventId,
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: "Management",
    ...record,
  };
  return {
    EventId: eventId,
    EventName: full.eventName,
    ReadOnly: "true",
    AccessKeyId: "ASIAEXAMPLESESSION01",
    EventTime: eventTime,
    EventSource: full.eventSource,
    Username: "ci-run-42",
    Resources: [{ ResourceType: "AWS::IAM::Role", ResourceName: "app-orders" }],
    CloudTrailEvent: JSON.stringify(full),
  };
}

/** Injected time: sleeping advances the clock at once, and every wait is recorded. */
class FakeTime {
  now = Date.parse("2026-03-03T12:00:00Z");
  readonly sleeps: number[] = [];
  readonly clock = { now: () => this.now };
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.now += ms;
  };
}

const throttled = () =>
  new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });

async function collect(client: CloudTrailClient, options: LookupEventsOptions): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of lookupEvents(client, options)) items.push(item);
  return items;
}

describe("lookupEvents", () => {
  const client = new CloudTrailClient({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  });
  const cloudTrail = mockClient(client);
  let time: FakeTime;
  let options: LookupEventsOptions;

  beforeEach(() => {
    cloudTrail.reset();
    time = new FakeTime();
    options = { start: START, end: END, clock: time.clock, sleep: time.sleep, random: () => 0.5 };
  });

  it("follows NextToken over three pages with the exact LookupEvents inputs", async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event(1), event(2)], NextToken: "token-1" })
      .resolvesOnce({ Events: [event(3)], NextToken: "token-2" })
      .resolvesOnce({ Events: [event(4), event(5)] });
    const pages: unknown[] = [];

    const items = await collect(client, { ...options, onPage: (page) => pages.push(page) });

    expect(cloudTrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input)).toEqual([
      { StartTime: START, EndTime: END, MaxResults: 50 },
      { StartTime: START, EndTime: END, MaxResults: 50, NextToken: "token-1" },
      { StartTime: START, EndTime: END, MaxResults: 50, NextToken: "token-2" },
    ]);
    const values = items.map((item) => (item.kind === "value" ? item.value : item.error));
    expect(values).toEqual([1, 2, 3, 4, 5].map((n) => JSON.parse(event(n).CloudTrailEvent ?? "")));
    expect(values[0]).toMatchObject({ eventName: "GetRole", eventSource: "iam.amazonaws.com" });
    expect(items.map((item) => item.origin)).toEqual([
      { file: "cloudtrail-lookup-events", line: 1, index: 0 },
      { file: "cloudtrail-lookup-events", line: 1, index: 1 },
      { file: "cloudtrail-lookup-events", line: 2, index: 2 },
      { file: "cloudtrail-lookup-events", line: 3, index: 3 },
      { file: "cloudtrail-lookup-events", line: 3, index: 4 },
    ]);
    expect(pages).toEqual([
      { page: 1, events: 2, more: true },
      { page: 2, events: 1, more: true },
      { page: 3, events: 2, more: false },
    ]);
  });

  it("paces requests so that no two are closer than 500 ms (at most 2 per second)", async () => {
    const sentAt: number[] = [];
    let call = 0;
    cloudTrail.on(LookupEventsCommand).callsFake(() => {
      sentAt.push(time.now);
      call++;
      return { Events: [event(call)], ...(call < 4 ? { NextToken: `token-${call}` } : {}) };
    });

    await collect(client, options);

    expect(sentAt).toHaveLength(4);
    expect(time.sleeps).toEqual([500, 500, 500]); // the mock answers instantly, so each wait is the full gap
    for (let i = 1; i < sentAt.length; i++)
      expect((sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(500);
  });

  it("does not wait when the previous request is already long enough ago", async () => {
    let call = 0;
    cloudTrail.on(LookupEventsCommand).callsFake(() => {
      call++;
      time.now += 800; // a slow answer
      return { Events: [], ...(call < 3 ? { NextToken: `token-${call}` } : {}) };
    });

    await collect(client, options);

    expect(call).toBe(3);
    expect(time.sleeps).toEqual([]);
  });

  it("retries a throttling burst with jittered exponential backoff, then goes on", async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce({ Events: [event(1)] });

    const items = await collect(client, options);

    expect(items).toHaveLength(1);
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(4);
    // random() = 0.5 of ceilings 500, 1000, 2000 ms; the backoff already covers the 500 ms pacing after the
    // second and third throttles, and after the first it is topped up to 500 ms.
    expect(time.sleeps).toEqual([250, 250, 500, 1000]);
  });

  it("gives up with a clear error when throttling never stops", async () => {
    cloudTrail.on(LookupEventsCommand).rejects(throttled());

    const failure = collect(client, options);

    await expect(failure).rejects.toThrow(CloudTrailHistoryError);
    await expect(failure).rejects.toThrow(
      "CloudTrail LookupEvents kept throttling after 8 attempts; try again later or lower --days",
    );
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(8);
    // random() = 0.5 of ceilings 500 ms × 2^n; the first backoff is topped up to the 500 ms pacing
    expect(time.sleeps).toEqual([250, 250, 500, 1000, 2000, 4000, 8000, 10000]);
  });

  it("bounds the backoff by maxDelayMs", async () => {
    cloudTrail.on(LookupEventsCommand).rejects(throttled());
    const random = () => 0.999;

    await expect(collect(client, { ...options, random, maxAttempts: 8, maxDelayMs: 4_000 })).rejects.toThrow(
      CloudTrailHistoryError,
    );
    const backoffs = time.sleeps.filter((ms) => ms !== 500);
    expect(Math.max(...backoffs)).toBeLessThan(4_000);
  });

  it("yields a malformed CloudTrailEvent as an error item and still yields the others", async () => {
    const broken = { ...event(2), CloudTrailEvent: '{"eventVersion":"1.09","userIdentity":' };
    const notObject = { ...event(3), CloudTrailEvent: "[1,2]" };
    cloudTrail.on(LookupEventsCommand).resolvesOnce({ Events: [event(1), broken, notObject, event(4)] });

    const items = await collect(client, options);

    expect(items.map((item) => item.kind)).toEqual(["value", "error", "error", "value"]);
    expect(items[1]).toEqual({
      kind: "error",
      error: expect.stringMatching(
        /^event 5b8e1c7a-0000-4000-8000-000000000002: CloudTrailEvent is not JSON \(.+\): "\{\\"eventVersion/,
      ),
      origin: { file: "cloudtrail-lookup-events", line: 1, index: 1 },
    });
    expect(items[2]).toMatchObject({ kind: "error", error: expect.stringContaining("is not a JSON object") });
  });

  it("reports other errors with the page and what to check, without retrying", async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejects(new InvalidTimeRangeException({ message: "Start time is after end time", $metadata: {} }));

    await expect(collect(client, options)).rejects.toThrow(
      "CloudTrail LookupEvents failed on page 1: InvalidTimeRangeException: Start time is after end time; " +
        "check the credentials, the region and the cloudtrail:LookupEvents permission",
    );
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  it("refuses an empty time range before calling AWS", async () => {
    await expect(collect(client, { ...options, start: END, end: START })).rejects.toThrow(
      /the time range is empty: start 2026-03-03T00:00:00.000Z is not before end/,
    );
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });

  it("stops paging when the signal aborts", async () => {
    const controller = new AbortController();
    cloudTrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event(1)], NextToken: "token-1" })
      .resolves({ Events: [event(2)], NextToken: "token-2" });
    const seen: SourceItem[] = [];

    await expect(
      (async () => {
        for await (const item of lookupEvents(client, { ...options, signal: controller.signal })) {
          seen.push(item);
          controller.abort(new Error("interrupted"));
        }
      })(),
    ).rejects.toThrow("interrupted");
    expect(seen).toHaveLength(1);
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });
});

describe("createCloudTrailClient", () => {
  it("builds a client for the given region and endpoint, with the SDK's own retries off", async () => {
    const client = createCloudTrailClient({ region: "eu-central-1", endpoint: "http://127.0.0.1:4599" });
    expect(await client.config.region()).toBe("eu-central-1");
    expect(await client.config.maxAttempts()).toBe(1);
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe("127.0.0.1");
    expect(endpoint?.port).toBe(4599);
  });

  it("builds without a region or credentials at hand: both are resolved on the first request", () => {
    expect(createCloudTrailClient()).toBeInstanceOf(CloudTrailClient);
  });
});
