import { IAMClient } from "@aws-sdk/client-iam";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { inject, vi } from "vitest";

/** Fake credentials: moto accepts any, and nothing here may ever reach real AWS. */
export const TEST_CREDENTIALS = {
  accessKeyId: "testing",
  secretAccessKey: "testing",
  sessionToken: "testing",
};

/** The region every integration test uses. */
export const TEST_REGION = "us-east-1";

/** The moto server's URL provided by test/setup/moto.ts; fails loudly when the setup did not start it. */
export function motoEndpoint(): string {
  const endpoint = inject("motoEndpoint");
  if (!endpoint)
    throw new Error("no moto server: integration tests need test/setup/moto.ts as vitest globalSetup");
  return endpoint;
}

/** Real AWS SDK v3 clients pointed at the moto server, with fake credentials and us-east-1. */
export function awsClients() {
  const endpoint = motoEndpoint();
  const config = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return {
    endpoint,
    iam: new IAMClient(config),
    secrets: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    sts: new STSClient(config),
    sqs: new SQSClient(config),
  };
}

/**
 * Points every AWS SDK client a function builds at the moto server, with the fake credentials and
 * us-east-1, as its environment would (undo with `vi.unstubAllEnvs()`).
 */
export function stubMotoEnvironment(): void {
  vi.stubEnv("AWS_ENDPOINT_URL", motoEndpoint());
  vi.stubEnv("AWS_REGION", TEST_REGION);
  vi.stubEnv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", TEST_CREDENTIALS.sessionToken);
}
