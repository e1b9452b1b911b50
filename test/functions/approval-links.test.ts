import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { lazyLinkKey, startupLinkKey } from "../../functions/common/approval-links.ts";

const ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:vigil-links-AbCdEf";
const VALUE = "x".repeat(64);

// These tests are about the exact Secrets Manager calls: how many, and what a failure becomes.
const secrets = mockClient(SecretsManagerClient);
afterEach(() => secrets.reset());

describe("lazyLinkKey", () => {
  it("reads the secret on first use only, then keeps it", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: VALUE });
    const key = lazyLinkKey(new SecretsManagerClient({ region: "us-east-1" }), ARN);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect((await key()).toString("utf8")).toBe(VALUE);
    expect((await key()).toString("utf8")).toBe(VALUE);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it("after a failure reads again on the next use, and never shows the value", async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error("denied"), { name: "AccessDeniedException" }))
      .resolves({ SecretString: "short-hunter2" });
    const key = lazyLinkKey(new SecretsManagerClient({ region: "us-east-1" }), ARN);
    await expect(key()).rejects.toThrow(
      /failed with AccessDeniedException; the function's role needs secretsmanager:GetSecretValue/,
    );
    const second = key();
    await expect(second).rejects.toMatchObject({ name: "LinkSecretError" });
    await expect(second).rejects.toThrow(/holds 13 bytes; approval links need at least 32 random bytes/);
    await expect(second).rejects.not.toThrow(/hunter2/);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe("startupLinkKey", () => {
  it("turns an unusable secret into a StartupError that says vigil cannot start", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "" });
    const start = startupLinkKey(new SecretsManagerClient({ region: "us-east-1" }), ARN);
    await expect(start).rejects.toMatchObject({ name: "StartupError" });
    await expect(start).rejects.toThrow(/^vigil cannot start: the link secret .* holds 0 bytes/);
  });
});
