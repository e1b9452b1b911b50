import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for the CloudTrail API speaking its real wire protocol (AWS JSON 1.1 over HTTP),
 * since no emulator implements LookupEvents (as in test/cli/learn-cloudtrail.test.ts): it serves
 * `records` newest first, `pageSize` per page with a NextToken, and keeps the requests it received.
 * `deny` answers every request with AccessDeniedException, as CloudTrail does without the permission.
 */
export interface CloudTrailStandIn {
  readonly endpoint: string;
  readonly requests: Array<{ readonly target: string | undefined; readonly body: Record<string, unknown> }>;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => resolve(text));
  });
}

export async function cloudTrailStandIn(options: {
  records: ReadonlyArray<Record<string, unknown>>;
  pageSize?: number;
  deny?: boolean;
}): Promise<CloudTrailStandIn> {
  const pageSize = options.pageSize ?? 50;
  const newestFirst = [...options.records].sort((a, b) =>
    String(b.eventTime).localeCompare(String(a.eventTime)),
  );
  const requests: CloudTrailStandIn["requests"] = [];
  const server: Server = createServer(async (req, res) => {
    const input = JSON.parse(await body(req)) as Record<string, unknown>;
    requests.push({ target: req.headers["x-amz-target"] as string | undefined, body: input });
    res.setHeader("content-type", "application/x-amz-json-1.1");
    if (options.deny === true) {
      res.statusCode = 400;
      res.end(
        JSON.stringify({
          __type: "AccessDeniedException",
          message:
            "User: arn:aws:sts::111122223333:assumed-role/vigil-seed/fn is not authorized to perform: cloudtrail:LookupEvents",
        }),
      );
      return;
    }
    const start = typeof input.NextToken === "string" ? Number(input.NextToken) : 0;
    const page = newestFirst.slice(start, start + pageSize);
    const next = start + pageSize < newestFirst.length ? String(start + pageSize) : undefined;
    res.end(
      JSON.stringify({
        Events: page.map((r) => ({
          EventId: r.eventID,
          EventName: r.eventName,
          EventTime: Date.parse(String(r.eventTime)) / 1000,
          CloudTrailEvent: JSON.stringify(r),
        })),
        ...(next === undefined ? {} : { NextToken: next }),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
