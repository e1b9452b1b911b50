import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { awsClients } from "./support/moto.ts";

describe("the moto harness", () => {
  it("answers STS with the real SDK on a local endpoint, never real AWS", async () => {
    const { endpoint, sts } = awsClients();
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toMatch(/^\d{12}$/);
  });
});
