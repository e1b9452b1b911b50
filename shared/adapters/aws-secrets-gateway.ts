import {
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { SecretDescription, SecretsGateway } from "../ports/secrets-gateway.ts";
import { call } from "./aws-errors.ts";
import type { AwsClientOptions } from "./aws-iam-gateway.ts";

/** A Secrets Manager client on the default credential chain, SDK retries off (the executor retries). */
export function createSecretsClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: 1,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
}

/** SecretsGateway over the AWS SDK v3 Secrets Manager client. It never calls GetSecretValue. */
export class AwsSecretsGateway implements SecretsGateway {
  constructor(private readonly client: SecretsManagerClient) {}

  async describeSecret(secretId: string): Promise<SecretDescription> {
    const output = await call("DescribeSecret", () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    const versions: Record<string, string[]> = {};
    for (const [id, stages] of Object.entries(output.VersionIdsToStages ?? {})) versions[id] = [...stages];
    return {
      arn: output.ARN ?? secretId,
      name: output.Name ?? secretId,
      rotationEnabled: output.RotationEnabled === true,
      ...(output.RotationLambdaARN ? { rotationLambdaArn: output.RotationLambdaARN } : {}),
      versions,
    };
  }

  async rotateSecret(secretId: string, clientRequestToken: string): Promise<string> {
    const output = await call("RotateSecret", () =>
      this.client.send(
        new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: clientRequestToken }),
      ),
    );
    return output.VersionId ?? clientRequestToken;
  }
}
