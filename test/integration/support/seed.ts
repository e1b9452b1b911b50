import { randomUUID } from "node:crypto";
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
  PutRolePolicyCommand,
  TagRoleCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, type SNSClient } from "@aws-sdk/client-sns";

/** A short unique suffix: every test seeds its own entities, since test files share one moto server. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

const READ_ONLY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
});

/** A role with one inline policy, one customer managed policy and one tag; returns its ARN and name. */
export async function seedRole(iam: IAMClient, options: { path?: string } = {}) {
  const name = unique("app");
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST, Path: options.path ?? "/" }),
  );
  await iam.send(
    new PutRolePolicyCommand({ RoleName: name, PolicyName: "app-read", PolicyDocument: READ_ONLY }),
  );
  const { Policy } = await iam.send(
    new CreatePolicyCommand({ PolicyName: unique("data"), PolicyDocument: READ_ONLY }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: Policy!.Arn! }));
  await iam.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: "team", Value: "orders" }] }));
  return { arn: Role!.Arn!, name, managedPolicyArn: Policy!.Arn! };
}

/** A user with an active access key and one managed policy attached. */
export async function seedUser(iam: IAMClient) {
  const name = unique("svc");
  const { User } = await iam.send(new CreateUserCommand({ UserName: name }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  const { Policy } = await iam.send(
    new CreatePolicyCommand({ PolicyName: unique("svc-data"), PolicyDocument: READ_ONLY }),
  );
  await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: Policy!.Arn! }));
  return { arn: User!.Arn!, name, accessKeyId: AccessKey!.AccessKeyId!, managedPolicyArn: Policy!.Arn! };
}

/** A secret with rotation configured (moto rotates without a Lambda) and one rotation done. */
export async function seedSecret(secrets: SecretsManagerClient, options: { rotation?: boolean } = {}) {
  const name = unique("prod/orders-db");
  const { ARN } = await secrets.send(new CreateSecretCommand({ Name: name, SecretString: "initial" }));
  if (options.rotation !== false) {
    await secrets.send(
      new RotateSecretCommand({ SecretId: name, RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
  }
  return { arn: ARN!, name };
}

/** An SNS topic for notifications. */
export async function seedTopic(sns: SNSClient): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("vigil-alerts") }));
  return TopicArn!;
}
