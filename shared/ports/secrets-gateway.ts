/**
 * The Secrets Manager operations the `rotate-secret` step needs. It never reads a secret's value.
 * Adapters map "secret not found" to NoSuchEntityError.
 */

/** A secret's rotation settings and which version carries which staging label. */
export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  /** True when rotation is configured (a rotation Lambda, or managed rotation). */
  readonly rotationEnabled: boolean;
  readonly rotationLambdaArn?: string;
  /** Version id → staging labels (AWSCURRENT, AWSPENDING, AWSPREVIOUS, custom ones). */
  readonly versions: Readonly<Record<string, readonly string[]>>;
}

export interface SecretsGateway {
  describeSecret(secretId: string): Promise<SecretDescription>;
  /**
   * Starts a rotation with the configured rotation; `clientRequestToken` (32–64 characters) becomes the
   * new version's id, so asking twice with the same token starts one rotation. Returns that version id.
   */
  rotateSecret(secretId: string, clientRequestToken: string): Promise<string>;
}
