/**
 * One scenario per Stratus Red Team AWS technique: the CloudTrail records its detonation writes, built
 * from the AWS documentation of each call (the record shape, `requestParameters` as the service logs
 * them: EC2's `{"items":[…]}` lists, IAM's policy documents as URL-encoded strings, Lambda's versioned
 * event names, `requestParameters: null` on refused calls). None is copied from a recorded dataset:
 * recordings are kept out of the repository so that they can check vigil independently.
 *
 * The identity is what Stratus detonates with and what a leaked credential looks like: an IAM user's
 * long-term access key without a profile, used from a public address outside AWS — unless the
 * technique is about other credentials (an instance role, a console sign-in).
 */
import type { RawRecord } from "../support/records.ts";

export const ACCOUNT = "111122223333";
/** An account outside the estate: where the attacker shares things to. */
export const OUTSIDE = "444455556666";
/** The attacker's address: public, outside AWS (a documentation range, which vigil counts as public). */
export const ATTACKER_IP = "198.51.100.77";
/** An Amazon EC2 address in eu-central-1: where the victim instance reaches AWS from. */
export const INSTANCE_IP = "3.120.181.40";
export const LEAKED_KEY = "AKIAEXAMPLELEAKED001";
const USER = "svc-reporting";
const INSTANCE = "i-0a1b2c3d4e5f60789";
const INSTANCE_ROLE = "web-server";
const START = Date.parse("2026-03-12T14:00:00Z");

/** The Stratus Red Team AWS techniques (v2), by id: the rows docs/coverage.md must have. */
export const STRATUS_AWS_TECHNIQUES = [
  "aws.credential-access.ec2-get-password-data",
  "aws.credential-access.ec2-steal-instance-credentials",
  "aws.credential-access.secretsmanager-batch-retrieve-secrets",
  "aws.credential-access.secretsmanager-retrieve-secrets",
  "aws.credential-access.ssm-retrieve-securestring-parameters",
  "aws.defense-evasion.cloudtrail-delete",
  "aws.defense-evasion.cloudtrail-event-selectors",
  "aws.defense-evasion.cloudtrail-lifecycle-rule",
  "aws.defense-evasion.cloudtrail-stop",
  "aws.defense-evasion.dns-delete-logs",
  "aws.defense-evasion.organizations-leave",
  "aws.defense-evasion.vpc-remove-flow-logs",
  "aws.discovery.ec2-download-user-data",
  "aws.discovery.ec2-enumerate-from-instance",
  "aws.discovery.ses-enumerate",
  "aws.execution.ec2-launch-unusual-instances",
  "aws.execution.ec2-user-data",
  "aws.execution.sagemaker-update-lifecycle-config",
  "aws.execution.ssm-send-command",
  "aws.execution.ssm-start-session",
  "aws.exfiltration.ec2-security-group-open-port-22-ingress",
  "aws.exfiltration.ec2-share-ami",
  "aws.exfiltration.ec2-share-ebs-snapshot",
  "aws.exfiltration.rds-share-snapshot",
  "aws.exfiltration.s3-backdoor-bucket-policy",
  "aws.impact.bedrock-invoke-model",
  "aws.impact.s3-ransomware-batch-deletion",
  "aws.impact.s3-ransomware-client-side-encryption",
  "aws.impact.s3-ransomware-individual-deletion",
  "aws.initial-access.console-login-without-mfa",
  "aws.lateral-movement.ec2-instance-connect",
  "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
  "aws.persistence.iam-backdoor-role",
  "aws.persistence.iam-backdoor-user",
  "aws.persistence.iam-create-admin-user",
  "aws.persistence.iam-create-backdoor-role",
  "aws.persistence.iam-create-user-login-profile",
  "aws.persistence.lambda-backdoor-function",
  "aws.persistence.lambda-layer-extension",
  "aws.persistence.lambda-overwrite-code",
  "aws.persistence.rolesanywhere-create-trust-anchor",
  "aws.persistence.sts-federation-token",
  "aws.privilege-escalation.iam-update-user-login-profile",
] as const;
export type StratusTechnique = (typeof STRATUS_AWS_TECHNIQUES)[number];

/** Writes records in time order, five seconds apart, each with its own eventID. */
class Trail {
  readonly records: RawRecord[] = [];
  #at = START;

  /** A call by the leaked access key (an IAM user's), from the attacker's address. */
  key(
    eventSource: string,
    eventName: string,
    requestParameters: RawRecord | null,
    extra: RawRecord = {},
  ): this {
    return this.#add({
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAEXAMPLEREPORTING",
        arn: `arn:aws:iam::${ACCOUNT}:user/${USER}`,
        accountId: ACCOUNT,
        accessKeyId: LEAKED_KEY,
        userName: USER,
      },
      eventSource,
      eventName,
      requestParameters,
      sourceIPAddress: ATTACKER_IP,
      userAgent: `aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux md/command#${eventSource.split(".")[0]}.${eventName}`,
      ...extra,
    });
  }

  /** A call with the credentials of the web server's instance role, from `from`. */
  instance(eventSource: string, eventName: string, requestParameters: RawRecord | null, from: string): this {
    return this.#add({
      userIdentity: {
        type: "AssumedRole",
        principalId: `AROAEXAMPLEWEBSERVER:${INSTANCE}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${INSTANCE_ROLE}/${INSTANCE}`,
        accountId: ACCOUNT,
        accessKeyId: "ASIAEXAMPLEINSTANCE1",
        sessionContext: {
          sessionIssuer: {
            type: "Role",
            principalId: "AROAEXAMPLEWEBSERVER",
            arn: `arn:aws:iam::${ACCOUNT}:role/${INSTANCE_ROLE}`,
            accountId: ACCOUNT,
            userName: INSTANCE_ROLE,
          },
          attributes: { creationDate: "2026-03-12T11:02:11Z", mfaAuthenticated: "false" },
          ec2RoleDelivery: "2.0",
        },
      },
      eventSource,
      eventName,
      requestParameters,
      sourceIPAddress: from,
      userAgent: "aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux",
    });
  }

  /** Repeats `write` n times, with the index. */
  times(n: number, write: (trail: this, i: number) => void): this {
    for (let i = 0; i < n; i++) write(this, i);
    return this;
  }

  raw(record: RawRecord): this {
    return this.#add(record);
  }

  #add(fields: RawRecord): this {
    const n = this.records.length;
    const readOnly = /^(Get|List|Describe|Lookup)/.test(String(fields.eventName));
    this.records.push({
      eventVersion: "1.09",
      eventTime: new Date(this.#at).toISOString().replace(".000Z", "Z"),
      awsRegion: "eu-central-1",
      requestID: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      eventID: `e1000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      readOnly,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: "Management",
      tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256" },
      responseElements: null,
      ...fields,
    });
    this.#at += 5_000;
    return this;
  }
}

const trail = () => new Trail();
const instanceId = (i: number) => `i-0a1b2c3d4e5f6${String(i).padStart(4, "0")}`;
const ec2Denied = {
  errorCode: "Client.UnauthorizedOperation",
  errorMessage: "You are not authorized to perform this operation.",
};

/** An IAM policy document as IAM's CloudTrail events log it: URL-encoded JSON. */
function iamDocument(document: unknown): string {
  return encodeURIComponent(JSON.stringify(document));
}

const trustOutside = iamDocument({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` }, Action: "sts:AssumeRole" },
  ],
});
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

/** The records of each technique's detonation. */
export const STRATUS_SCENARIOS: Readonly<Record<StratusTechnique, () => RawRecord[]>> = {
  "aws.credential-access.ec2-get-password-data": () =>
    trail().times(30, (t, i) =>
      t.key("ec2.amazonaws.com", "GetPasswordData", { instanceId: instanceId(i) }, ec2Denied),
    ).records,

  "aws.credential-access.ec2-steal-instance-credentials": () =>
    trail()
      .key("ssm.amazonaws.com", "SendCommand", {
        documentName: "AWS-RunShellScript",
        instanceIds: [INSTANCE],
        interactive: false,
        parameters: "HIDDEN_DUE_TO_SECURITY_REASONS",
      })
      .instance("sts.amazonaws.com", "GetCallerIdentity", null, ATTACKER_IP)
      .instance("ec2.amazonaws.com", "DescribeInstances", { instancesSet: {}, filterSet: {} }, ATTACKER_IP)
      .records,

  "aws.credential-access.secretsmanager-batch-retrieve-secrets": () =>
    trail()
      .key("secretsmanager.amazonaws.com", "ListSecrets", { maxResults: 100 })
      .key("secretsmanager.amazonaws.com", "BatchGetSecretValue", {
        filters: [{ key: "tag-key", values: ["StratusRedTeam"] }],
        maxResults: 20,
      }).records,

  "aws.credential-access.secretsmanager-retrieve-secrets": () =>
    trail()
      .key("secretsmanager.amazonaws.com", "ListSecrets", null)
      .times(20, (t, i) =>
        t.key(
          "secretsmanager.amazonaws.com",
          "GetSecretValue",
          {
            secretId: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:stratus-red-team-${i}-AbC${i}dE`,
          },
          { readOnly: true },
        ),
      ).records,

  "aws.credential-access.ssm-retrieve-securestring-parameters": () =>
    trail()
      .key("ssm.amazonaws.com", "DescribeParameters", { maxResults: 50 })
      .times(3, (t, batch) =>
        t.key("ssm.amazonaws.com", "GetParameters", {
          names: Array.from(
            { length: 10 },
            (_, i) => `/credentials/stratus-red-team/credentials-${batch * 10 + i}`,
          ),
          withDecryption: true,
        }),
      ).records,

  "aws.defense-evasion.cloudtrail-delete": () =>
    trail().key("cloudtrail.amazonaws.com", "DeleteTrail", { name: "stratus-red-team-trail" }).records,

  "aws.defense-evasion.cloudtrail-event-selectors": () =>
    trail().key("cloudtrail.amazonaws.com", "PutEventSelectors", {
      trailName: "stratus-red-team-trail",
      eventSelectors: [
        {
          readWriteType: "ReadOnly",
          includeManagementEvents: false,
          dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::"] }],
          excludeManagementEventSources: [],
        },
      ],
    }).records,

  "aws.defense-evasion.cloudtrail-lifecycle-rule": () =>
    trail().key("s3.amazonaws.com", "PutBucketLifecycle", {
      bucketName: "stratus-red-team-cloudtrail-bucket-x7k2",
      Host: "stratus-red-team-cloudtrail-bucket-x7k2.s3.eu-central-1.amazonaws.com",
      lifecycle: "",
      LifecycleConfiguration: {
        xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
        Rule: {
          ID: "nuke-cloudtrail-logs-after-1-day",
          Status: "Enabled",
          Filter: { Prefix: "" },
          Expiration: { Days: 1 },
        },
      },
    }).records,

  "aws.defense-evasion.cloudtrail-stop": () =>
    trail().key("cloudtrail.amazonaws.com", "StopLogging", {
      name: `arn:aws:cloudtrail:eu-central-1:${ACCOUNT}:trail/stratus-red-team-trail`,
    }).records,

  "aws.defense-evasion.dns-delete-logs": () =>
    trail()
      .key("route53resolver.amazonaws.com", "DisassociateResolverQueryLogConfig", {
        resolverQueryLogConfigId: "rqlc-0123456789abcdef",
        resourceId: "vpc-0a1b2c3d4e5f67890",
      })
      .key("route53resolver.amazonaws.com", "DeleteResolverQueryLogConfig", {
        resolverQueryLogConfigId: "rqlc-0123456789abcdef",
      }).records,

  "aws.defense-evasion.organizations-leave": () =>
    trail().key("organizations.amazonaws.com", "LeaveOrganization", null, {
      errorCode: "AccessDeniedException",
      errorMessage: "You don't have permissions to access this resource.",
    }).records,

  "aws.defense-evasion.vpc-remove-flow-logs": () =>
    trail().key("ec2.amazonaws.com", "DeleteFlowLogs", {
      DeleteFlowLogsRequest: { FlowLogId: { content: "fl-0123456789abcdef0", tag: 1 } },
    }).records,

  "aws.discovery.ec2-download-user-data": () =>
    trail().times(15, (t, i) =>
      t.key(
        "ec2.amazonaws.com",
        "DescribeInstanceAttribute",
        { instanceId: instanceId(i), attribute: "userData" },
        ec2Denied,
      ),
    ).records,

  "aws.discovery.ec2-enumerate-from-instance": () =>
    trail()
      .instance("sts.amazonaws.com", "GetCallerIdentity", null, INSTANCE_IP)
      .instance("s3.amazonaws.com", "ListBuckets", { Host: "s3.eu-central-1.amazonaws.com" }, INSTANCE_IP)
      .instance("iam.amazonaws.com", "GetAccountSummary", null, INSTANCE_IP)
      .instance("iam.amazonaws.com", "ListRoles", null, INSTANCE_IP)
      .instance("iam.amazonaws.com", "ListUsers", null, INSTANCE_IP)
      .instance("iam.amazonaws.com", "GetAccountAuthorizationDetails", null, INSTANCE_IP)
      .instance("ec2.amazonaws.com", "DescribeSnapshots", { snapshotSet: {}, ownersSet: {} }, INSTANCE_IP)
      .instance("cloudtrail.amazonaws.com", "DescribeTrails", null, INSTANCE_IP)
      .instance("guardduty.amazonaws.com", "ListDetectors", null, INSTANCE_IP).records,

  "aws.discovery.ses-enumerate": () =>
    trail()
      .key("ses.amazonaws.com", "GetAccountSendingEnabled", null)
      .key("ses.amazonaws.com", "GetSendQuota", null)
      .key("ses.amazonaws.com", "ListIdentities", null)
      .key("ses.amazonaws.com", "GetIdentityVerificationAttributes", {
        identities: ["stratus-red-team.example.com"],
      }).records,

  "aws.execution.ec2-launch-unusual-instances": () =>
    trail().times(3, (t) =>
      t.key(
        "ec2.amazonaws.com",
        "RunInstances",
        {
          instancesSet: { items: [{ imageId: "ami-0a1b2c3d4e5f60718", minCount: 10, maxCount: 10 }] },
          instanceType: "p2.xlarge",
          blockDeviceMapping: {},
          monitoring: { enabled: false },
          disableApiTermination: false,
          subnetId: "subnet-0a1b2c3d4e5f60718",
        },
        ec2Denied,
      ),
    ).records,

  "aws.execution.ec2-user-data": () =>
    trail()
      .key("ec2.amazonaws.com", "StopInstances", {
        instancesSet: { items: [{ instanceId: INSTANCE }] },
        force: false,
      })
      .key("ec2.amazonaws.com", "ModifyInstanceAttribute", {
        instanceId: INSTANCE,
        userData: "<sensitiveDataRemoved>",
      })
      .key("ec2.amazonaws.com", "StartInstances", { instancesSet: { items: [{ instanceId: INSTANCE }] } })
      .records,

  "aws.execution.sagemaker-update-lifecycle-config": () =>
    trail()
      .key("sagemaker.amazonaws.com", "CreateNotebookInstanceLifecycleConfig", {
        notebookInstanceLifecycleConfigName: "stratus-red-team-malicious-lifecycle",
        onStart: [{ content: "HIDDEN_DUE_TO_SECURITY_REASONS" }],
      })
      .key("sagemaker.amazonaws.com", "StopNotebookInstance", {
        notebookInstanceName: "stratus-red-team-notebook",
      })
      .key("sagemaker.amazonaws.com", "UpdateNotebookInstance", {
        notebookInstanceName: "stratus-red-team-notebook",
        lifecycleConfigName: "stratus-red-team-malicious-lifecycle",
      })
      .key("sagemaker.amazonaws.com", "StartNotebookInstance", {
        notebookInstanceName: "stratus-red-team-notebook",
      }).records,

  "aws.execution.ssm-send-command": () =>
    trail().key("ssm.amazonaws.com", "SendCommand", {
      instanceIds: [INSTANCE, "i-0f1e2d3c4b5a69788"],
      documentName: "AWS-RunShellScript",
      parameters: "HIDDEN_DUE_TO_SECURITY_REASONS",
      interactive: false,
    }).records,

  "aws.execution.ssm-start-session": () =>
    trail().key(
      "ssm.amazonaws.com",
      "StartSession",
      { target: INSTANCE },
      {
        responseElements: {
          sessionId: "svc-reporting-0a1b2c3d4e5f60789",
          tokenValue: "Value hidden due to security reasons.",
          streamUrl:
            "wss://ssmmessages.eu-central-1.amazonaws.com/v1/data-channel/svc-reporting-0a1b2c3d4e5f60789?role=publish_subscribe",
        },
      },
    ).records,

  "aws.exfiltration.ec2-security-group-open-port-22-ingress": () =>
    trail().key("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
      groupId: "sg-0a1b2c3d4e5f60718",
      ipPermissions: {
        items: [
          {
            ipProtocol: "tcp",
            fromPort: 22,
            toPort: 22,
            groups: {},
            ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] },
            ipv6Ranges: {},
            prefixListIds: {},
          },
        ],
      },
    }).records,

  "aws.exfiltration.ec2-share-ami": () =>
    trail().key("ec2.amazonaws.com", "ModifyImageAttribute", {
      imageId: "ami-0a1b2c3d4e5f60718",
      launchPermission: { add: { items: [{ userId: OUTSIDE }] } },
      attributeType: "launchPermission",
    }).records,

  "aws.exfiltration.ec2-share-ebs-snapshot": () =>
    trail().key("ec2.amazonaws.com", "ModifySnapshotAttribute", {
      snapshotId: "snap-0a1b2c3d4e5f60718",
      attributeType: "CREATE_VOLUME_PERMISSION",
      createVolumePermission: { add: { items: [{ userId: OUTSIDE }] } },
    }).records,

  "aws.exfiltration.rds-share-snapshot": () =>
    trail().key("rds.amazonaws.com", "ModifyDBSnapshotAttribute", {
      dBSnapshotIdentifier: "stratus-red-team-snapshot",
      attributeName: "restore",
      valuesToAdd: [OUTSIDE],
    }).records,

  "aws.exfiltration.s3-backdoor-bucket-policy": () =>
    trail().key("s3.amazonaws.com", "PutBucketPolicy", {
      bucketName: "stratus-red-team-backdoored-bucket",
      Host: "stratus-red-team-backdoored-bucket.s3.eu-central-1.amazonaws.com",
      policy: "",
      bucketPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` },
            Action: ["s3:GetObject", "s3:GetBucketLocation", "s3:ListBucket"],
            Resource: [
              "arn:aws:s3:::stratus-red-team-backdoored-bucket/*",
              "arn:aws:s3:::stratus-red-team-backdoored-bucket",
            ],
          },
        ],
      },
    }).records,

  "aws.impact.bedrock-invoke-model": () =>
    trail()
      .key("bedrock.amazonaws.com", "GetFoundationModelAvailability", {
        modelId: "anthropic.claude-3-5-sonnet-20240620-v1:0",
      })
      .key(
        "bedrock.amazonaws.com",
        "InvokeModel",
        {
          modelId: "anthropic.claude-3-5-sonnet-20240620-v1:0",
        },
        { readOnly: true },
      ).records,

  "aws.impact.s3-ransomware-batch-deletion": () =>
    trail()
      .key(
        "s3.amazonaws.com",
        "ListObjectVersions",
        { bucketName: "stratus-red-team-ransomware-bucket", versions: "" },
        { managementEvent: false, eventCategory: "Data" },
      )
      .key(
        "s3.amazonaws.com",
        "DeleteObjects",
        { bucketName: "stratus-red-team-ransomware-bucket", delete: "" },
        { managementEvent: false, eventCategory: "Data", readOnly: false },
      )
      .key(
        "s3.amazonaws.com",
        "DeleteObjects",
        { bucketName: "stratus-red-team-ransomware-bucket", delete: "" },
        { managementEvent: false, eventCategory: "Data", readOnly: false },
      ).records,

  "aws.impact.s3-ransomware-client-side-encryption": () =>
    trail().times(20, (t, i) =>
      t.key(
        "s3.amazonaws.com",
        "CopyObject",
        {
          bucketName: "stratus-red-team-ransomware-bucket",
          key: `data/file-${i}.bin`,
          "x-amz-copy-source": `stratus-red-team-ransomware-bucket/data/file-${i}.bin`,
          "x-amz-server-side-encryption-customer-algorithm": "AES256",
        },
        { managementEvent: false, eventCategory: "Data", additionalEventData: { SSEApplied: "SSE_C" } },
      ),
    ).records,

  "aws.impact.s3-ransomware-individual-deletion": () =>
    trail()
      .key(
        "s3.amazonaws.com",
        "ListObjectVersions",
        { bucketName: "stratus-red-team-ransomware-bucket", versions: "" },
        { managementEvent: false, eventCategory: "Data" },
      )
      .times(51, (t, i) =>
        t.key(
          "s3.amazonaws.com",
          "DeleteObject",
          {
            bucketName: "stratus-red-team-ransomware-bucket",
            key: `data/file-${i}.bin`,
            versionId: `v${i}AbCdEfGh`,
          },
          { managementEvent: false, eventCategory: "Data" },
        ),
      ).records,

  "aws.initial-access.console-login-without-mfa": () =>
    trail().raw({
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAEXAMPLECONSOLE01",
        arn: `arn:aws:iam::${ACCOUNT}:user/stratus-red-team-console-user`,
        accountId: ACCOUNT,
        userName: "stratus-red-team-console-user",
      },
      eventSource: "signin.amazonaws.com",
      eventName: "ConsoleLogin",
      eventType: "AwsConsoleSignIn",
      awsRegion: "us-east-1",
      sourceIPAddress: ATTACKER_IP,
      userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      requestParameters: null,
      responseElements: { ConsoleLogin: "Success" },
      additionalEventData: {
        LoginTo: "https://console.aws.amazon.com/console/home",
        MobileVersion: "No",
        MFAUsed: "No",
      },
    }).records,

  "aws.lateral-movement.ec2-instance-connect": () =>
    trail().key("ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", {
      instanceId: INSTANCE,
      instanceOSUser: "ec2-user",
      sSHPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTestsOnly stratus",
    }).records,

  "aws.lateral-movement.ec2-serial-console-send-ssh-public-key": () =>
    trail()
      .key("ec2.amazonaws.com", "EnableSerialConsoleAccess", null)
      .key("ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey", {
        instanceId: INSTANCE,
        serialPort: 0,
        sSHPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTestsOnly stratus",
      }).records,

  "aws.persistence.iam-backdoor-role": () =>
    trail().key("iam.amazonaws.com", "UpdateAssumeRolePolicy", {
      roleName: "stratus-red-team-backdoor-role",
      policyDocument: trustOutside,
    }).records,

  "aws.persistence.iam-backdoor-user": () =>
    trail().key(
      "iam.amazonaws.com",
      "CreateAccessKey",
      { userName: "stratus-red-team-backdoor-user" },
      {
        responseElements: {
          accessKey: {
            accessKeyId: "AKIAEXAMPLEBACKDOOR1",
            status: "Active",
            userName: "stratus-red-team-backdoor-user",
            createDate: "Mar 12, 2026 2:00:00 PM",
          },
        },
      },
    ).records,

  "aws.persistence.iam-create-admin-user": () =>
    trail()
      .key("iam.amazonaws.com", "CreateUser", { userName: "stratus-red-team-admin-user" })
      .key("iam.amazonaws.com", "AttachUserPolicy", {
        userName: "stratus-red-team-admin-user",
        policyArn: ADMIN,
      })
      .key("iam.amazonaws.com", "CreateAccessKey", { userName: "stratus-red-team-admin-user" }).records,

  "aws.persistence.iam-create-backdoor-role": () =>
    trail()
      .key("iam.amazonaws.com", "CreateRole", {
        roleName: "stratus-red-team-malicious-role",
        assumeRolePolicyDocument: trustOutside,
      })
      .key("iam.amazonaws.com", "AttachRolePolicy", {
        roleName: "stratus-red-team-malicious-role",
        policyArn: ADMIN,
      }).records,

  "aws.persistence.iam-create-user-login-profile": () =>
    trail().key("iam.amazonaws.com", "CreateLoginProfile", {
      userName: "stratus-red-team-login-profile-user",
      passwordResetRequired: false,
    }).records,

  "aws.persistence.lambda-backdoor-function": () =>
    trail().key("lambda.amazonaws.com", "AddPermission20150331v2", {
      functionName: "stratus-red-team-backdoor-function",
      statementId: "backdoor",
      action: "lambda:InvokeFunction",
      principal: `arn:aws:iam::${OUTSIDE}:root`,
    }).records,

  "aws.persistence.lambda-layer-extension": () =>
    trail().key("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
      functionName: "stratus-red-team-function",
      layers: [`arn:aws:lambda:eu-central-1:${OUTSIDE}:layer:stratus-red-team-extension:1`],
    }).records,

  "aws.persistence.lambda-overwrite-code": () =>
    trail().key("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", {
      functionName: "stratus-red-team-function",
      publish: false,
      dryRun: false,
      zipFile: "<sensitiveDataRemoved>",
    }).records,

  "aws.persistence.rolesanywhere-create-trust-anchor": () =>
    trail()
      .key("rolesanywhere.amazonaws.com", "CreateTrustAnchor", {
        name: "stratus-red-team-trust-anchor",
        enabled: true,
        source: {
          sourceType: "CERTIFICATE_BUNDLE",
          sourceData: { x509CertificateData: "HIDDEN_DUE_TO_SECURITY_REASONS" },
        },
      })
      .key("rolesanywhere.amazonaws.com", "CreateProfile", {
        name: "stratus-red-team-profile",
        enabled: true,
        roleArns: [`arn:aws:iam::${ACCOUNT}:role/stratus-red-team-rolesanywhere-role`],
      }).records,

  "aws.persistence.sts-federation-token": () =>
    trail().key("sts.amazonaws.com", "GetFederationToken", {
      name: "stratus_red_team",
      policy: iamDocument({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
      }),
    }).records,

  "aws.privilege-escalation.iam-update-user-login-profile": () =>
    trail().key("iam.amazonaws.com", "UpdateLoginProfile", {
      userName: "stratus-red-team-update-login-profile-user",
      passwordResetRequired: false,
    }).records,
};
