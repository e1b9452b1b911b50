/**
 * The other half of coverage: ordinary deployments and console use raise nothing. Each scenario is
 * what a real team's trail holds — a CDK deployment through CloudFormation, Terraform run by a declared
 * deployer, an administrator in the console, workloads doing their job — written from the AWS
 * documentation of each call, including the calls the new attack signals judge.
 */
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../../shared/domain/config/schema.ts";
import type { RawRecord } from "../support/records.ts";
import { replayScenario } from "./replay-scenario.ts";
import { ACCOUNT } from "./stratus-scenarios.ts";

const CI_IP = "203.0.113.21";
let clock = Date.parse("2026-03-12T09:00:00Z");
let serial = 0;

/** A session of `role` named `name`; `extra` sets the source address, user agent, console flag… */
function asRole(
  role: string,
  name: string,
  eventSource: string,
  eventName: string,
  requestParameters: RawRecord | null,
  extra: RawRecord = {},
): RawRecord {
  clock += 3_000;
  serial += 1;
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: `AROAEXAMPLE${serial}:${name}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${name}`,
      accountId: ACCOUNT,
      accessKeyId: `ASIAEXAMPLE${String(serial).padStart(9, "0")}`,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: "AROAEXAMPLE",
          arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
          accountId: ACCOUNT,
          userName: role,
        },
        attributes: { creationDate: new Date(clock - 60_000).toISOString(), mfaAuthenticated: "false" },
      },
    },
    eventTime: new Date(clock).toISOString(),
    eventSource,
    eventName,
    awsRegion: "eu-central-1",
    sourceIPAddress: CI_IP,
    userAgent: "aws-cdk/2.176.0 aws-sdk-js/3.700.0",
    requestParameters,
    responseElements: null,
    eventID: `ordinary-${serial}`,
    readOnly: /^(Get|List|Describe)/.test(eventName),
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    ...extra,
  };
}

const lambdaTrust = encodeURIComponent(
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  }),
);
const ownRoot = `arn:aws:iam::${ACCOUNT}:root`;

/** What CloudFormation does for a CDK app: roles, functions, a load balancer's group, policies. */
function cdkDeployment(): RawRecord[] {
  const cfn = (eventSource: string, eventName: string, params: RawRecord | null) =>
    asRole(
      "cdk-hnb659fds-cfn-exec-role-111122223333-eu-central-1",
      "AWSCloudFormation",
      eventSource,
      eventName,
      params,
      {
        sourceIPAddress: "cloudformation.amazonaws.com",
        userAgent: "cloudformation.amazonaws.com",
      },
    );
  return [
    asRole(
      "cdk-hnb659fds-deploy-role-111122223333-eu-central-1",
      "aws-cdk-ci",
      "cloudformation.amazonaws.com",
      "CreateChangeSet",
      { stackName: "Orders" },
    ),
    asRole(
      "cdk-hnb659fds-deploy-role-111122223333-eu-central-1",
      "aws-cdk-ci",
      "cloudformation.amazonaws.com",
      "ExecuteChangeSet",
      { stackName: "Orders" },
    ),
    cfn("iam.amazonaws.com", "CreateRole", {
      roleName: "Orders-HandlerRole",
      assumeRolePolicyDocument: lambdaTrust,
    }),
    cfn("iam.amazonaws.com", "AttachRolePolicy", {
      roleName: "Orders-HandlerRole",
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    }),
    cfn("iam.amazonaws.com", "PutRolePolicy", {
      roleName: "Orders-HandlerRole",
      policyName: "Default",
      policyDocument: encodeURIComponent(
        JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: "*" }] }),
      ),
    }),
    cfn("lambda.amazonaws.com", "CreateFunction20150331", {
      functionName: "Orders-Handler",
      role: `arn:aws:iam::${ACCOUNT}:role/Orders-HandlerRole`,
    }),
    cfn("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", { functionName: "Orders-Handler" }),
    cfn("lambda.amazonaws.com", "AddPermission20150331v2", {
      functionName: "Orders-Handler",
      principal: "elasticloadbalancing.amazonaws.com",
      action: "lambda:InvokeFunction",
    }),
    cfn("ec2.amazonaws.com", "CreateSecurityGroup", { groupName: "Orders-Lb", groupDescription: "lb" }),
    cfn("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
      groupId: "sg-0lb",
      ipPermissions: {
        items: [
          {
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] },
            ipv6Ranges: {},
            groups: {},
            prefixListIds: {},
          },
        ],
      },
    }),
    cfn("ec2.amazonaws.com", "RunInstances", {
      instancesSet: { items: [{ imageId: "ami-1", minCount: 2, maxCount: 2 }] },
      instanceType: "t3.small",
      iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/Orders-Worker` },
    }),
    cfn("s3.amazonaws.com", "PutBucketPolicy", {
      bucketName: "orders-site",
      bucketPolicy: {
        Statement: [
          {
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:*",
            Resource: "*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: "*",
            Condition: {
              StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${ACCOUNT}:distribution/E1` },
            },
          },
        ],
      },
    }),
    cfn("sqs.amazonaws.com", "SetQueueAttributes", {
      queueUrl: `https://sqs.eu-central-1.amazonaws.com/${ACCOUNT}/orders`,
      attributes: {
        Policy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "sns.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: "*",
              Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:sns:eu-central-1:${ACCOUNT}:orders` } },
            },
          ],
        }),
      },
    }),
    cfn("kms.amazonaws.com", "PutKeyPolicy", {
      keyId: "k-1",
      policyName: "default",
      policy: JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: { AWS: ownRoot }, Action: "kms:*", Resource: "*" },
          {
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: {
              StringEquals: {
                "kms:CallerAccount": ACCOUNT,
                "kms:ViaService": "sqs.eu-central-1.amazonaws.com",
              },
            },
          },
        ],
      }),
    }),
    cfn("logs.amazonaws.com", "DeleteLogGroup", { logGroupName: "/aws/lambda/Orders-OldHandler" }),
  ];
}

const DEPLOYER: ConfigInput = {
  profiles: [
    {
      id: "terraform",
      match: { roles: [`arn:aws:iam::${ACCOUNT}:role/terraform`] },
      sources: ["203.0.113.0/24"],
      deployer: true,
    },
  ],
};

/** Terraform applying and refreshing a stack, as the declared deployer, from the CI network. */
function terraformApply(): RawRecord[] {
  const tf = (eventSource: string, eventName: string, params: RawRecord | null) =>
    asRole("terraform", "ci-run-4711", eventSource, eventName, params, {
      userAgent: "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 terraform-provider-aws/5.80.0 aws-sdk-go-v2/1.32.6",
    });
  return [
    tf("sts.amazonaws.com", "GetCallerIdentity", null),
    ...Array.from({ length: 6 }, (_, i) =>
      tf("ec2.amazonaws.com", "DescribeInstanceAttribute", {
        instanceId: `i-0a1b2c3d4e5f6000${i}`,
        attribute: "userData",
      }),
    ),
    tf("iam.amazonaws.com", "CreateUser", { userName: "svc-reports" }),
    tf("iam.amazonaws.com", "CreateAccessKey", { userName: "svc-reports" }),
    tf("iam.amazonaws.com", "AttachUserPolicy", {
      userName: "svc-reports",
      policyArn: `arn:aws:iam::${ACCOUNT}:policy/reports-read`,
    }),
    tf("iam.amazonaws.com", "CreateOpenIDConnectProvider", {
      url: "https://token.actions.githubusercontent.com",
      clientIDList: ["sts.amazonaws.com"],
    }),
    tf("ec2.amazonaws.com", "ModifyInstanceAttribute", {
      instanceId: "i-0a1b2c3d4e5f60001",
      userData: "<sensitiveDataRemoved>",
    }),
    tf("ec2.amazonaws.com", "RunInstances", {
      instancesSet: { items: [{ imageId: "ami-ml", minCount: 1, maxCount: 1 }] },
      instanceType: "g5.xlarge",
    }),
    tf("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
      functionName: "reports",
      layers: [`arn:aws:lambda:eu-central-1:${ACCOUNT}:layer:otel:4`],
    }),
    tf("rolesanywhere.amazonaws.com", "CreateTrustAnchor", {
      name: "on-prem",
      source: { sourceType: "AWS_ACM_PCA" },
    }),
  ];
}

/** An administrator in the console: browsing, a few refused pages, a user, a shell, a password. */
function consoleAdmin(): RawRecord[] {
  const admin = (eventSource: string, eventName: string, params: RawRecord | null, extra: RawRecord = {}) =>
    asRole(
      "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
      "lena@example.com",
      eventSource,
      eventName,
      params,
      {
        sourceIPAddress: "192.0.2.80",
        userAgent:
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        sessionCredentialFromConsole: "true",
        ...extra,
      },
    );
  const refused = { errorCode: "AccessDenied" };
  return [
    admin("iam.amazonaws.com", "ListUsers", null),
    admin("iam.amazonaws.com", "ListRoles", null),
    admin("iam.amazonaws.com", "GetAccountSummary", null),
    admin("cloudtrail.amazonaws.com", "DescribeTrails", null),
    admin("guardduty.amazonaws.com", "ListDetectors", null),
    admin("s3.amazonaws.com", "ListBuckets", null),
    admin("ce.amazonaws.com", "GetCostAndUsage", null, refused),
    admin("organizations.amazonaws.com", "DescribeOrganization", null, refused),
    admin("account.amazonaws.com", "GetContactInformation", null, refused),
    admin("billing.amazonaws.com", "GetBillingData", null, refused),
    admin("support.amazonaws.com", "DescribeCases", null, refused),
    admin("iam.amazonaws.com", "CreateUser", { userName: "contractor" }),
    admin("iam.amazonaws.com", "CreateLoginProfile", { userName: "contractor", passwordResetRequired: true }),
    admin("ssm.amazonaws.com", "StartSession", { target: "i-0a1b2c3d4e5f60001" }),
    admin("ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", {
      instanceId: "i-0a1b2c3d4e5f60001",
      instanceOSUser: "ec2-user",
    }),
    admin("ec2.amazonaws.com", "GetPasswordData", { instanceId: "i-0win" }),
    admin("bedrock.amazonaws.com", "PutFoundationModelEntitlement", {
      modelId: "anthropic.claude-3-5-sonnet-20240620-v1:0",
    }),
    admin("cloudtrail.amazonaws.com", "PutEventSelectors", {
      trailName: "org",
      eventSelectors: [
        {
          readWriteType: "All",
          includeManagementEvents: true,
          dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::orders-site/"] }],
        },
      ],
    }),
    admin("cloudtrail.amazonaws.com", "UpdateTrail", { name: "org", enableLogFileValidation: true }),
  ];
}

/** Workloads doing their job: a function reading its secrets at cold start, an assistant invoking Bedrock, a cleanup job. */
function workloads(): RawRecord[] {
  const fn = (eventSource: string, eventName: string, params: RawRecord | null) =>
    asRole("orders-fn", "orders-fn", eventSource, eventName, params, {
      sourceIPAddress: "3.120.181.40",
      userAgent:
        "aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#22.11.0 exec-env/AWS_Lambda_nodejs22.x",
    });
  return [
    fn("secretsmanager.amazonaws.com", "GetSecretValue", { secretId: "prod/orders-db" }),
    fn("secretsmanager.amazonaws.com", "GetSecretValue", { secretId: "prod/stripe" }),
    fn("ssm.amazonaws.com", "GetParameters", {
      names: ["/orders/a", "/orders/b", "/orders/c", "/orders/d"],
      withDecryption: true,
    }),
    fn("ssm.amazonaws.com", "GetParametersByPath", {
      path: "/orders/",
      recursive: true,
      withDecryption: true,
    }),
    fn("bedrock.amazonaws.com", "InvokeModel", { modelId: "anthropic.claude-3-haiku-20240307-v1:0" }),
    fn("bedrock.amazonaws.com", "Converse", { modelId: "anthropic.claude-3-haiku-20240307-v1:0" }),
    ...Array.from({ length: 20 }, (_, i) =>
      fn("s3.amazonaws.com", "DeleteObject", { bucketName: "orders-tmp", key: `tmp/${i}` }),
    ),
    fn("sts.amazonaws.com", "GetCallerIdentity", null),
  ];
}

describe("ordinary activity", () => {
  it.each([
    ["a CDK deployment through CloudFormation", cdkDeployment, {}],
    ["Terraform run by a declared deployer", terraformApply, DEPLOYER],
    ["an administrator in the console", consoleAdmin, {}],
    ["workloads doing their job", workloads, {}],
  ] as const)("%s raises nothing", async (_name, build, config) => {
    const result = await replayScenario(build(), config);
    expect(result.summary.rejected).toBe(0);
    expect(result.exposures.map((e) => [e.principal, e.signals, e.severity])).toEqual([]);
  });
});
