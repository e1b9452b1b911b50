import { describe, expect, it } from "vitest";
import { externalSharing, REFUSED_WEIGHT } from "../../../shared/domain/detections/external-sharing.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const OUTSIDE = "444455556666";

/** A management call by the svc-ci key. */
function call(
  eventSource: string,
  eventName: string,
  requestParameters: RawRecord | null,
  extra: RawRecord = {},
) {
  return userKeyRecord({ eventSource, eventName, requestParameters, managementEvent: true, ...extra });
}

function evaluate(record: RawRecord, config = configOf()) {
  const use = useOf(record);
  return externalSharing.evaluate(use, contextFor(use, { config }));
}

const policy = (principal: unknown, condition?: unknown) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: principal,
      Action: "*",
      Resource: "*",
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});

describe("externalSharing", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(externalSharing.id).toBe("external-sharing");
    expect(externalSharing.weight).toBe(40);
    expect(externalSharing.attack).toEqual(["T1537", "T1098"]);
  });

  describe("EBS snapshots, AMIs and RDS snapshots", () => {
    it("fires when a snapshot is made restorable by another account, naming both", () => {
      const shared = call("ec2.amazonaws.com", "ModifySnapshotAttribute", {
        snapshotId: "snap-0123",
        attributeType: "CREATE_VOLUME_PERMISSION",
        createVolumePermission: { add: { items: [{ userId: OUTSIDE }] } },
      });
      expect(evaluate(shared)?.reason).toBe(
        `access key AKIAEXAMPLE000000001 of "arn:aws:iam::${ACCOUNT}:user/svc-ci" called ec2:ModifySnapshotAttribute (shares EBS snapshot "snap-0123" with account ${OUTSIDE})`,
      );
    });

    it("fires for a public AMI (group all) and stays quiet for removals and the own account", () => {
      const publicAmi = call("ec2.amazonaws.com", "ModifyImageAttribute", {
        imageId: "ami-1",
        launchPermission: { add: { items: [{ group: "all" }] } },
      });
      expect(evaluate(publicAmi)?.reason).toContain('shares AMI "ami-1" with anyone (group "all" (public))');
      const removal = call("ec2.amazonaws.com", "ModifySnapshotAttribute", {
        snapshotId: "snap-1",
        createVolumePermission: { remove: { items: [{ userId: OUTSIDE }] } },
      });
      expect(evaluate(removal)).toBeUndefined();
      const own = call("ec2.amazonaws.com", "ModifyImageAttribute", {
        imageId: "ami-1",
        launchPermission: { add: { items: [{ userId: ACCOUNT }] } },
      });
      expect(evaluate(own)).toBeUndefined();
    });

    it("fires for RDS instance and cluster snapshots restorable by others or by all", () => {
      const instance = call("rds.amazonaws.com", "ModifyDBSnapshotAttribute", {
        dBSnapshotIdentifier: "orders-final",
        attributeName: "restore",
        valuesToAdd: [OUTSIDE],
      });
      expect(evaluate(instance)?.reason).toContain(
        `shares RDS snapshot "orders-final" with account ${OUTSIDE}`,
      );
      const cluster = call("rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute", {
        dBClusterSnapshotIdentifier: "aurora-1",
        attributeName: "restore",
        valuesToAdd: ["all"],
      });
      expect(evaluate(cluster)?.reason).toContain('with anyone ("all" (public))');
      const removed = call("rds.amazonaws.com", "ModifyDBSnapshotAttribute", {
        dBSnapshotIdentifier: "x",
        attributeName: "restore",
        valuesToRemove: [OUTSIDE],
      });
      expect(evaluate(removed)).toBeUndefined();
    });

    it("counts the estate's accounts from the config as inside, patterns allowed", () => {
      const shared = call("ec2.amazonaws.com", "ModifySnapshotAttribute", {
        snapshotId: "snap-1",
        createVolumePermission: { add: { items: [{ userId: OUTSIDE }] } },
      });
      expect(evaluate(shared, configOf({ accounts: ["4444*"] }))).toBeUndefined();
      expect(evaluate(shared, configOf({ accounts: ["999988887777"] }))).toBeDefined();
    });
  });

  describe("resource policies", () => {
    it("reads an S3 bucket policy logged as an object and grants to another account's root", () => {
      const put = call("s3.amazonaws.com", "PutBucketPolicy", {
        bucketName: "reports",
        policy: "",
        bucketPolicy: policy({ AWS: `arn:aws:iam::${OUTSIDE}:root` }),
      });
      expect(evaluate(put)?.reason).toContain(`shares bucket "reports" with account ${OUTSIDE}`);
    });

    it("stays quiet for grants confined to the organization or a VPC endpoint, and for services", () => {
      const org = policy("*", { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } });
      const vpce = policy({ AWS: "*" }, { StringEquals: { "aws:SourceVpce": "vpce-1" } });
      const service = policy({ Service: "cloudtrail.amazonaws.com" });
      for (const bucketPolicy of [org, vpce, service]) {
        expect(
          evaluate(call("s3.amazonaws.com", "PutBucketPolicy", { bucketName: "b", bucketPolicy })),
        ).toBeUndefined();
      }
    });

    it("narrows * by the accounts a condition names; a negated condition narrows nothing", () => {
      const own = policy({ AWS: "*" }, { StringEquals: { "aws:SourceAccount": ACCOUNT } });
      expect(
        evaluate(call("s3.amazonaws.com", "PutBucketPolicy", { bucketName: "b", bucketPolicy: own })),
      ).toBeUndefined();
      const negated = policy("*", { StringNotEquals: { "aws:SourceAccount": ACCOUNT } });
      expect(
        evaluate(call("s3.amazonaws.com", "PutBucketPolicy", { bucketName: "b", bucketPolicy: negated }))
          ?.reason,
      ).toContain("with anyone (*)");
    });

    it("reads the JSON strings of Secrets Manager, KMS, SQS, SNS and ECR policies", () => {
      const document = JSON.stringify(policy({ AWS: OUTSIDE }));
      const cases: Array<[string, string, RawRecord, string]> = [
        [
          "secretsmanager.amazonaws.com",
          "PutResourcePolicy",
          { secretId: "prod/db", resourcePolicy: document },
          'secret "prod/db"',
        ],
        [
          "kms.amazonaws.com",
          "PutKeyPolicy",
          { keyId: "k-1", policyName: "default", policy: document },
          'KMS key "k-1"',
        ],
        [
          "sqs.amazonaws.com",
          "SetQueueAttributes",
          { queueUrl: "https://q", attributes: { Policy: document } },
          'queue "https://q"',
        ],
        [
          "sns.amazonaws.com",
          "SetTopicAttributes",
          { topicArn: "arn:t", attributeName: "Policy", attributeValue: document },
          'topic "arn:t"',
        ],
        [
          "ecr.amazonaws.com",
          "SetRepositoryPolicy",
          { repositoryName: "app", policyText: document },
          'repository "app"',
        ],
      ];
      for (const [source, name, params, what] of cases) {
        expect(evaluate(call(source, name, params))?.reason, name).toContain(
          `shares ${what} with account ${OUTSIDE}`,
        );
      }
      const delivery = call("sns.amazonaws.com", "SetTopicAttributes", {
        topicArn: "arn:t",
        attributeName: "DeliveryPolicy",
        attributeValue: document,
      });
      expect(evaluate(delivery)).toBeUndefined();
    });

    it("fires for KMS grants, SQS/SNS permissions and RAM shares to outside principals", () => {
      expect(
        evaluate(
          call("kms.amazonaws.com", "CreateGrant", {
            keyId: "k-1",
            granteePrincipal: `arn:aws:iam::${OUTSIDE}:role/x`,
            operations: ["Decrypt"],
          }),
        ),
      ).toBeDefined();
      expect(
        evaluate(
          call("sqs.amazonaws.com", "AddPermission", { queueUrl: "q", label: "l", aWSAccountIds: [OUTSIDE] }),
        ),
      ).toBeDefined();
      expect(
        evaluate(
          call("sns.amazonaws.com", "AddPermission", { topicArn: "t", label: "l", aWSAccountId: [OUTSIDE] }),
        ),
      ).toBeDefined();
      expect(
        evaluate(call("ram.amazonaws.com", "CreateResourceShare", { name: "share", principals: [OUTSIDE] }))
          ?.reason,
      ).toContain('shares resource share "share" with account');
      const orgShare = call("ram.amazonaws.com", "CreateResourceShare", {
        name: "share",
        principals: ["arn:aws:organizations::111122223333:organization/o-abc123"],
      });
      expect(evaluate(orgShare)).toBeUndefined();
    });

    it("reads S3 ACLs: public groups, canned public ACLs and grants to other canonical users", () => {
      const acl = (grant: unknown) =>
        call("s3.amazonaws.com", "PutBucketAcl", {
          bucketName: "b",
          acl: "",
          AccessControlPolicy: {
            Owner: { ID: "owner-canonical-id" },
            AccessControlList: { Grant: grant },
          },
        });
      expect(
        evaluate(
          acl({
            Grantee: { "xsi:type": "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" },
            Permission: "READ",
          }),
        )?.reason,
      ).toContain("anyone (AllUsers READ)");
      expect(
        evaluate(
          acl([
            {
              Grantee: { "xsi:type": "CanonicalUser", ID: "owner-canonical-id" },
              Permission: "FULL_CONTROL",
            },
          ]),
        ),
      ).toBeUndefined();
      expect(
        evaluate(acl([{ Grantee: { "xsi:type": "CanonicalUser", ID: "someone-else" }, Permission: "READ" }]))
          ?.reason,
      ).toContain("(another account)");
      const logDelivery = {
        Grantee: { URI: "http://acs.amazonaws.com/groups/s3/LogDelivery" },
        Permission: "WRITE",
      };
      expect(evaluate(acl(logDelivery))).toBeUndefined();
      expect(
        evaluate(call("s3.amazonaws.com", "PutBucketAcl", { bucketName: "b", "x-amz-acl": ["public-read"] }))
          ?.reason,
      ).toContain("canned ACL public-read");
      expect(
        evaluate(call("s3.amazonaws.com", "PutBucketAcl", { bucketName: "b", "x-amz-acl": ["private"] })),
      ).toBeUndefined();
    });
  });

  describe("Lambda", () => {
    it("fires for invocation by another account or anyone, matching the versioned event name", () => {
      const add = (params: RawRecord) =>
        call("lambda.amazonaws.com", "AddPermission20150331v2", {
          functionName: "f",
          action: "lambda:InvokeFunction",
          ...params,
        });
      expect(evaluate(add({ principal: OUTSIDE }))?.reason).toContain(
        `shares function "f" with account ${OUTSIDE}`,
      );
      expect(evaluate(add({ principal: "*" }))?.reason).toContain("with anyone (*)");
      expect(evaluate(add({ principal: "*", principalOrgID: "o-abc123" }))).toBeUndefined();
      expect(evaluate(add({ principal: "s3.amazonaws.com", sourceAccount: ACCOUNT }))).toBeUndefined();
      expect(evaluate(add({ principal: "s3.amazonaws.com", sourceAccount: OUTSIDE }))).toBeDefined();
      expect(evaluate(add({ principal: "apigateway.amazonaws.com" }))).toBeUndefined();
    });
  });

  describe("denied attempts", () => {
    it("words an attempt whose request was logged as an attempt, at full weight", () => {
      const denied = call(
        "ec2.amazonaws.com",
        "ModifySnapshotAttribute",
        { snapshotId: "snap-1", createVolumePermission: { add: { items: [{ userId: OUTSIDE }] } } },
        { errorCode: "Client.UnauthorizedOperation" },
      );
      const signal = evaluate(denied);
      expect(signal?.reason).toContain("attempted ec2:ModifySnapshotAttribute");
      expect(signal?.reason).toContain("denied with Client.UnauthorizedOperation");
      expect(signal?.weight).toBeUndefined();
    });

    it("counts a refused call logged without its request (requestParameters null) at a lower weight", () => {
      const refused = call("rds.amazonaws.com", "ModifyDBSnapshotAttribute", null, {
        errorCode: "AccessDenied",
      });
      const signal = evaluate(refused);
      expect(signal?.weight).toBe(REFUSED_WEIGHT);
      expect(signal?.reason).toContain("would change who may use RDS snapshot");
      expect(signal?.reason).toContain("with whom is not logged");
    });
  });

  it("fires for deployers and CloudFormation too: sharing outside the estate is never routine", () => {
    const config = configOf({
      profiles: [{ id: "ci", match: { roles: [`arn:aws:iam::${ACCOUNT}:role/ci`] }, deployer: true }],
    });
    const byStack = roleSessionRecord(
      {
        eventSource: "ec2.amazonaws.com",
        eventName: "ModifyImageAttribute",
        sourceIPAddress: "cloudformation.amazonaws.com",
        requestParameters: { imageId: "ami-1", launchPermission: { add: { items: [{ group: "all" }] } } },
      },
      { role: "ci" },
    );
    expect(evaluate(byStack, config)).toBeDefined();
  });
});
