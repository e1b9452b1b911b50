import type { CredentialUse } from "../../shared/domain/event.ts";
import { normalizeRecord } from "../../shared/domain/normalize/normalize.ts";

/** A real-shaped CloudTrail record; fields may be overridden or removed (set to undefined). */
export type RawRecord = Record<string, unknown>;

export const ACCOUNT = "111122223333";

/** A call made with a long-term access key of an IAM user. */
export function userKeyRecord(overrides: RawRecord = {}): RawRecord {
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAEXAMPLEUSER00001",
      arn: `arn:aws:iam::${ACCOUNT}:user/svc-ci`,
      accountId: ACCOUNT,
      accessKeyId: "AKIAEXAMPLE000000001",
      userName: "svc-ci",
    },
    eventTime: "2026-03-03T10:15:00Z",
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    awsRegion: "eu-central-1",
    sourceIPAddress: "203.0.113.10",
    userAgent: "aws-cli/2.17.32 md/command#s3.cp",
    requestParameters: { bucketName: "artifacts", key: "build/app.zip" },
    responseElements: null,
    requestID: "4f8b2c1e-0000-4000-8000-000000000001",
    eventID: "e0000000-0000-4000-8000-000000000001",
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: false,
    recipientAccountId: ACCOUNT,
    eventCategory: "Data",
    ...overrides,
  };
}

/** A call made by a session of an IAM role (AssumeRole, or an instance/task role when named so). */
export function roleSessionRecord(
  overrides: RawRecord = {},
  session: { role?: string; name?: string; issuedAt?: string; ec2RoleDelivery?: string; key?: string } = {},
): RawRecord {
  const role = session.role ?? "orders-api";
  const name = session.name ?? "orders-api-session";
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: `AROAEXAMPLEROLE00001:${name}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${name}`,
      accountId: ACCOUNT,
      accessKeyId: session.key ?? "ASIAEXAMPLESESSION01",
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: "AROAEXAMPLEROLE00001",
          arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
          accountId: ACCOUNT,
          userName: role,
        },
        attributes: { creationDate: session.issuedAt ?? "2026-03-03T09:00:00Z", mfaAuthenticated: "false" },
        ...(session.ec2RoleDelivery === undefined ? {} : { ec2RoleDelivery: session.ec2RoleDelivery }),
      },
    },
    eventTime: "2026-03-03T10:15:00Z",
    eventSource: "dynamodb.amazonaws.com",
    eventName: "GetItem",
    awsRegion: "eu-central-1",
    sourceIPAddress: "10.0.12.34",
    userAgent: "aws-sdk-js/3.600.0 ua/2.1 os/linux lang/js md/nodejs#20.11.0",
    requestParameters: { tableName: "orders" },
    responseElements: null,
    requestID: "4f8b2c1e-0000-4000-8000-000000000002",
    eventID: "e0000000-0000-4000-8000-000000000002",
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: false,
    recipientAccountId: ACCOUNT,
    eventCategory: "Data",
    vpcEndpointId: "vpce-0a1b2c3d4e5f60718",
    ...overrides,
  };
}

/** Normalizes a record that must be a credential use; fails the test otherwise. */
export function useOf(record: RawRecord): CredentialUse {
  const result = normalizeRecord(record, { file: "test.json", line: 1, index: 0 });
  if (result.kind !== "use") throw new Error(`fixture is not a credential use: ${JSON.stringify(result)}`);
  return result.use;
}
