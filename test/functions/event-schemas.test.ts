import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  eventBridgeEventSchema,
  httpApiEventSchema,
  jsonBody,
  s3NotificationSchema,
  sqsBatchSchema,
  sqsMessageSchema,
} from "../../functions/common/event-schemas.ts";
import { iamEvent, linkEvent } from "./approvals-support.ts";
import { eventBridgeEvent, s3Notification, sqsBatch, sqsMessage } from "./support.ts";

describe("jsonBody", () => {
  const body = jsonBody(z.object({ n: z.number() }));

  it("parses JSON text and checks it against the schema", () => {
    expect(body.parse('{"n":1}')).toEqual({ n: 1 });
    expect(body.safeParse('{"n":"one"}').error?.issues[0]?.path).toEqual(["n"]);
  });

  it("reports text that is not JSON as one issue and does not run the schema", () => {
    const issues = body.safeParse("{not json").error?.issues ?? [];
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/^Invalid JSON - /);
  });
});

describe("sqsBatchSchema", () => {
  it("accepts Lambda's SQS event and keeps each message's id and body", () => {
    const batch = sqsBatchSchema.parse(sqsBatch(sqsMessage("hello", "m-1")));
    expect(batch.Records).toEqual([{ messageId: "m-1", body: "hello" }]);
  });

  it("refuses an empty batch and records without an id or body", () => {
    expect(sqsBatchSchema.safeParse({ Records: [] }).success).toBe(false);
    expect(sqsBatchSchema.safeParse(s3Notification()).success).toBe(false);
    expect(sqsBatchSchema.safeParse({ Records: [{ messageId: "m-1" }] }).success).toBe(false);
  });
});

describe("sqsMessageSchema", () => {
  const message = sqsMessageSchema(eventBridgeEventSchema);

  it("parses the body of a message as JSON of the given schema", () => {
    const parsed = message.parse(sqsMessage(eventBridgeEvent(), "m-1"));
    expect(parsed.messageId).toBe("m-1");
    expect(parsed.body["detail-type"]).toBe("AWS API Call via CloudTrail");
    expect(parsed.body.detail).toMatchObject({ eventName: "StopLogging" });
  });

  it("names the body in the issues of a body that does not match", () => {
    const issues = message.safeParse(sqsMessage({ hello: "world" }, "m-1")).error?.issues ?? [];
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.path[0] === "body")).toBe(true);
  });
});

describe("eventBridgeEventSchema", () => {
  it("requires an id and a detail-type, and keeps detail as it is", () => {
    expect(eventBridgeEventSchema.parse({ id: "e-1", "detail-type": "x", detail: [1] })).toEqual({
      id: "e-1",
      "detail-type": "x",
      detail: [1],
    });
    expect(eventBridgeEventSchema.safeParse({ id: "e-1", detail: {} }).success).toBe(false);
  });
});

describe("s3NotificationSchema", () => {
  it("keeps each record's event name, bucket and (encoded) key", () => {
    const [record] = s3NotificationSchema.parse(
      s3Notification("a+b.json.gz", "ObjectCreated:Put", "bkt"),
    ).Records;
    expect(record).toEqual({
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: "bkt" }, object: { key: "a+b.json.gz" } },
    });
  });

  it("refuses a notification without records and an EventBridge event", () => {
    expect(s3NotificationSchema.safeParse({ Records: [] }).success).toBe(false);
    expect(s3NotificationSchema.safeParse(eventBridgeEvent()).success).toBe(false);
  });
});

describe("httpApiEventSchema", () => {
  it("accepts HTTP API 2.0 requests with and without an IAM caller", () => {
    const signed = httpApiEventSchema.parse(
      iamEvent({ method: "POST", path: "/api/approvals", caller: "arn:aws:iam::111122223333:user/a" }),
    );
    expect(signed.requestContext.authorizer?.iam?.userArn).toBe("arn:aws:iam::111122223333:user/a");
    const link = httpApiEventSchema.parse(linkEvent({ method: "GET", token: "t" }));
    expect(link.requestContext.http).toEqual({ method: "GET", path: "/links/t" });
    expect(link.requestContext.authorizer).toBeUndefined();
  });

  it("refuses payload format 1.0 and invocations that are not HTTP requests", () => {
    const v2 = iamEvent({ method: "GET", path: "/api/approvals" });
    expect(httpApiEventSchema.safeParse({ ...v2, version: "1.0" }).success).toBe(false);
    expect(httpApiEventSchema.safeParse({ Records: [] }).success).toBe(false);
  });
});
