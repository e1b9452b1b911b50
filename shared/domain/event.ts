import type { CredentialKind } from "./vocabulary.ts";

/** Where a call came from, as CloudTrail saw it. */
export interface UseSource {
  /**
   * `ip`: `sourceIPAddress` is an address; `aws-service`: a service principal such as
   * `ec2.amazonaws.com` made the call on the principal's behalf; `aws-internal`: `AWS Internal`;
   * `unknown`: no or unreadable source.
   */
  readonly kind: "ip" | "aws-service" | "aws-internal" | "unknown";
  /** The address, when `kind` is `ip`. */
  readonly ip?: string;
  /** The service principal, when `kind` is `aws-service`. */
  readonly service?: string;
  /** The VPC endpoint the call went through, when the record says so. */
  readonly vpcEndpointId?: string;
}

/** The credential that made a call; `id` is stable across calls of the same credential. */
export interface CredentialRef {
  readonly kind: CredentialKind;
  /**
   * AKIA… key id for `access-key`; the role (or federated user) ARN for `role-session`, so that all
   * sessions of one role form one exposure; the secret ARN or name for `secret`; the principal ARN for
   * `root` and `console`.
   */
  readonly id: string;
  /** The ASIA… key of a temporary credential, when the record carries one. */
  readonly accessKeyId?: string;
}

/** The identity behind a call. */
export interface Principal {
  /** `userIdentity.type`: Root, IAMUser, AssumedRole, FederatedUser, AWSService, … */
  readonly type: string;
  /** The IAM identity that can be contained: the role of a session, the user of a key, the root ARN. */
  readonly arn: string;
  /** The caller ARN as logged (for a session, `arn:aws:sts::…:assumed-role/ROLE/SESSION`). */
  readonly callerArn?: string;
  readonly accountId?: string;
  /** For a session: its name (an instance id for EC2 instance-role sessions). */
  readonly sessionName?: string;
  /** Set when an AWS service acted as this principal (`userIdentity.invokedBy`). */
  readonly invokedBy?: string;
}

/** Facts about a temporary session. */
export interface SessionFacts {
  /** When the session was issued (epoch ms), from `sessionContext.attributes.creationDate`. */
  readonly issuedAt?: number;
  readonly mfa?: boolean;
  readonly sourceIdentity?: string;
  /** `"1.0"` (IMDSv1) or `"2.0"` (IMDSv2) on EC2 instance-role sessions. */
  readonly ec2RoleDelivery?: string;
}

/** Where a record was read from, for reports and rejections. */
export interface RecordOrigin {
  readonly file: string;
  readonly line: number;
  /** 0-based position of the record in its file. */
  readonly index: number;
}

/**
 * One use of a machine credential, normalized from any CloudTrail source (S3 trail file, EventBridge
 * event, LookupEvents). Every detection reads this shape and nothing else.
 */
export interface CredentialUse {
  readonly eventId: string;
  /** Epoch milliseconds. */
  readonly eventTime: number;
  readonly eventSource: string;
  readonly eventName: string;
  readonly eventType?: string;
  readonly readOnly?: boolean;
  readonly region?: string;
  /** The account the call was made in (`recipientAccountId`, else the principal's). */
  readonly accountId?: string;
  readonly principal: Principal;
  readonly credential: CredentialRef;
  readonly session?: SessionFacts;
  /** ConsoleLogin: whether MFA was used (`additionalEventData.MFAUsed`). */
  readonly mfaUsed?: boolean;
  readonly source: UseSource;
  readonly userAgent?: string;
  /** Set when the call failed (`AccessDenied`, `UnauthorizedOperation`, …). */
  readonly errorCode?: string;
  readonly requestParameters?: Readonly<Record<string, unknown>>;
  readonly responseElements?: Readonly<Record<string, unknown>>;
  /**
   * Secrets the call read, as passed: GetSecretValue's `secretId`, BatchGetSecretValue's list, and the
   * SSM parameters read with decryption (as `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`).
   */
  readonly secretIds: readonly string[];
  /**
   * Reads that name no secret but a set of them: BatchGetSecretValue by filters, GetParametersByPath
   * with decryption. Each is a read of every secret it could match.
   */
  readonly secretScopes: readonly SecretScope[];
  /**
   * True when the call came from the AWS Management Console (`sessionCredentialFromConsole`, or a
   * browser's user agent on temporary credentials): a person clicking, not a machine.
   */
  readonly fromConsole: boolean;
  readonly origin?: RecordOrigin;
}

/**
 * A read of every secret under a name prefix (`prefix`), or of any secret at all (`prefix`
 * undefined: a filter by tag, description or owning service can match any name).
 */
export interface SecretScope {
  readonly service: "secretsmanager" | "ssm";
  readonly prefix?: string;
  /** How the call named the set, for reasons: `filter tag-key=env`, `path /prod/ (recursive)`. */
  readonly described: string;
}

/** True when the call did not fail. */
export function succeeded(use: CredentialUse): boolean {
  return use.errorCode === undefined;
}

/** Reads a string field of `requestParameters`, or undefined. */
export function param(use: CredentialUse, name: string): string | undefined {
  const value = use.requestParameters?.[name];
  return typeof value === "string" ? value : undefined;
}
