import { describe, expect, it } from "vitest";
import { privilegeEscalation } from "../../../shared/domain/detections/privilege-escalation.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const CI_ROLE = `arn:aws:iam::${ACCOUNT}:role/ci-deployer`;
const ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";

/** A management call made by a session of the ci-deployer role. */
function bySession(
  eventSource: string,
  eventName: string,
  requestParameters: RawRecord | null,
  extra: RawRecord = {},
) {
  return roleSessionRecord(
    {
      eventSource,
      eventName,
      awsRegion: eventSource === "iam.amazonaws.com" ? "us-east-1" : "eu-central-1",
      requestParameters,
      readOnly: false,
      managementEvent: true,
      eventCategory: "Management",
      vpcEndpointId: undefined,
      ...extra,
    },
    { role: "ci-deployer", name: "codebuild-1234" },
  );
}

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return privilegeEscalation.evaluate(use, contextFor(use));
}

const REVOKE_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Deny",
      Action: ["*"],
      Resource: ["*"],
      Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-03-03T10:00:00.000Z" } },
    },
  ],
});
const ALLOW_ALL_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

describe("privilegeEscalation", () => {
  it("declares its id and weight", () => {
    expect(privilegeEscalation.id).toBe("privilege-escalation");
    expect(privilegeEscalation.weight).toBe(30);
  });

  it("fires when a role session attaches a managed policy, naming the role, the API and the target", () => {
    const signal = evaluate(
      bySession("iam.amazonaws.com", "AttachRolePolicy", {
        roleName: "admin-bridge",
        policyArn: ADMIN_POLICY,
      }),
    );
    expect(signal?.id).toBe("privilege-escalation");
    expect(signal?.reason).toBe(
      `session of "${CI_ROLE}" called iam:AttachRolePolicy (changes IAM permissions, grants administrator access: role "admin-bridge", policy "${ADMIN_POLICY}")`,
    );
  });

  it("words a denied attempt as an attempt, even when CloudTrail logged no parameters", () => {
    const signal = evaluate(
      userKeyRecord({
        eventSource: "iam.amazonaws.com",
        eventName: "PutUserPolicy",
        requestParameters: null,
        errorCode: "AccessDenied",
        errorMessage: `User: arn:aws:iam::${ACCOUNT}:user/svc-ci is not authorized to perform: iam:PutUserPolicy`,
      }),
    );
    expect(signal?.reason).toBe(
      `access key AKIAEXAMPLE000000001 of "arn:aws:iam::${ACCOUNT}:user/svc-ci" attempted iam:PutUserPolicy (changes IAM permissions: request parameters not logged), denied with AccessDenied`,
    );
  });

  it("words an EC2 authorization failure as denied", () => {
    const profile = { iamInstanceProfile: { name: "admin" }, instanceType: "t3.micro" };
    const signal = evaluate(
      bySession("ec2.amazonaws.com", "RunInstances", profile, { errorCode: "Client.UnauthorizedOperation" }),
    );
    expect(signal?.reason).toContain(
      'attempted ec2:RunInstances (passes a role to new compute: instance profile "admin"), denied with Client.UnauthorizedOperation',
    );
  });

  it("fires for a new default policy version and for a changed trust policy", () => {
    const version = evaluate(
      bySession("iam.amazonaws.com", "CreatePolicyVersion", {
        policyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy`,
        policyDocument: ALLOW_ALL_DOCUMENT,
        setAsDefault: true,
      }),
    );
    expect(version?.reason).toContain(
      `iam:CreatePolicyVersion (changes IAM permissions, grants administrator access: policy "arn:aws:iam::${ACCOUNT}:policy/deploy")`,
    );
    const trust = evaluate(
      bySession("iam.amazonaws.com", "UpdateAssumeRolePolicy", { roleName: "prod-admin" }),
    );
    expect(trust?.reason).toContain(
      'iam:UpdateAssumeRolePolicy (changes who may assume a role: role "prod-admin")',
    );
  });

  it("fires for group membership and permissions boundary changes", () => {
    expect(
      evaluate(bySession("iam.amazonaws.com", "AddUserToGroup", { userName: "svc-ci", groupName: "admins" }))
        ?.reason,
    ).toContain('user "svc-ci", group "admins"');
    expect(
      evaluate(bySession("iam.amazonaws.com", "DeleteRolePermissionsBoundary", { roleName: "ci-deployer" }))
        ?.id,
    ).toBe("privilege-escalation");
  });

  it("stays quiet for IAM calls that neither grant nor pass anything", () => {
    expect(
      evaluate(
        bySession("iam.amazonaws.com", "DetachRolePolicy", { roleName: "x", policyArn: ADMIN_POLICY }),
      ),
    ).toBeUndefined();
    expect(evaluate(bySession("iam.amazonaws.com", "ListRoles", null))).toBeUndefined();
    expect(evaluate(bySession("iam.amazonaws.com", "CreatePolicy", { policyName: "p" }))).toBeUndefined();
  });

  it("stays quiet for root (root-usage covers it) and for a console session", () => {
    const root = {
      type: "Root",
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
      accessKeyId: "ASIAEXAMPLEROOT00001",
    };
    expect(
      evaluate(
        bySession(
          "iam.amazonaws.com",
          "AttachUserPolicy",
          { userName: "x", policyArn: ADMIN_POLICY },
          { userIdentity: root },
        ),
      ),
    ).toBeUndefined();
    const consoleUser = {
      type: "IAMUser",
      principalId: "AIDAEXAMPLEUSER00009",
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      accountId: ACCOUNT,
      userName: "alice",
    };
    expect(
      evaluate(
        bySession(
          "iam.amazonaws.com",
          "AttachUserPolicy",
          { userName: "x", policyArn: ADMIN_POLICY },
          { userIdentity: consoleUser },
        ),
      ),
    ).toBeUndefined();
  });

  describe("passing a role to new compute", () => {
    it("fires for a Lambda function created with a role, whatever the API-version suffix of the event name", () => {
      const signal = evaluate(
        bySession("lambda.amazonaws.com", "CreateFunction20150331", {
          functionName: "exfil",
          runtime: "python3.12",
          role: `arn:aws:iam::${ACCOUNT}:role/prod-admin`,
          handler: "index.handler",
        }),
      );
      expect(signal?.reason).toContain(
        `called lambda:CreateFunction20150331 (passes a role to new compute: role "arn:aws:iam::${ACCOUNT}:role/prod-admin")`,
      );
    });

    it("counts a denied CreateFunction whose parameters were not logged: the API always takes a role", () => {
      const signal = evaluate(
        bySession("lambda.amazonaws.com", "CreateFunction20150331", null, { errorCode: "AccessDenied" }),
      );
      expect(signal?.reason).toContain(
        "attempted lambda:CreateFunction20150331 (passes a role to new compute: role not logged), denied with AccessDenied",
      );
    });

    it("fires for a configuration update only when it changes the role", () => {
      const withRole = bySession("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
        functionName: "orders",
        role: `arn:aws:iam::${ACCOUNT}:role/prod-admin`,
      });
      expect(evaluate(withRole)?.id).toBe("privilege-escalation");
      const memoryOnly = bySession("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
        functionName: "orders",
        memorySize: 512,
      });
      expect(evaluate(memoryOnly)).toBeUndefined();
    });

    it("does not mistake other Lambda APIs that share the prefix", () => {
      const urlConfig = bySession("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", {
        functionName: "orders",
        authType: "NONE",
        role: "not-a-role-param",
      });
      expect(evaluate(urlConfig)).toBeUndefined();
    });

    it("fires for RunInstances with an instance profile and stays quiet without one", () => {
      const instances = {
        instancesSet: { items: [{ imageId: "ami-0b98a32b1c5e0d105", minCount: 1, maxCount: 1 }] },
        instanceType: "t3.micro",
      };
      const signal = evaluate(
        bySession("ec2.amazonaws.com", "RunInstances", {
          ...instances,
          iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT}:instance-profile/admin` },
        }),
      );
      expect(signal?.reason).toContain(
        `ec2:RunInstances (passes a role to new compute: instance profile "arn:aws:iam::${ACCOUNT}:instance-profile/admin")`,
      );
      expect(evaluate(bySession("ec2.amazonaws.com", "RunInstances", instances))).toBeUndefined();
    });

    it("fires when an instance profile is associated with or swapped on a running instance", () => {
      const associate = evaluate(
        bySession("ec2.amazonaws.com", "AssociateIamInstanceProfile", {
          AssociateIamInstanceProfileRequest: {
            InstanceId: "i-0123456789abcdef0",
            IamInstanceProfile: { Name: "admin" },
          },
        }),
      );
      expect(associate?.reason).toContain('instance profile "admin" to "i-0123456789abcdef0"');
      const replace = evaluate(
        bySession("ec2.amazonaws.com", "ReplaceIamInstanceProfileAssociation", {
          ReplaceIamInstanceProfileAssociationRequest: {
            AssociationId: "iip-assoc-060bae234aac2e7fa",
            IamInstanceProfile: { Name: "admin" },
          },
        }),
      );
      expect(replace?.reason).toContain(
        'ec2:ReplaceIamInstanceProfileAssociation (passes a role to new compute: instance profile "admin")',
      );
    });

    it("fires for an ECS task definition with a task role and stays quiet without one", () => {
      const task = {
        family: "worker",
        containerDefinitions: [{ name: "app", image: "public.ecr.aws/x/y:1" }],
      };
      expect(
        evaluate(
          bySession("ecs.amazonaws.com", "RegisterTaskDefinition", {
            ...task,
            taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/prod-admin`,
          }),
        )?.reason,
      ).toContain("ecs:RegisterTaskDefinition");
      expect(evaluate(bySession("ecs.amazonaws.com", "RegisterTaskDefinition", task))).toBeUndefined();
    });

    it("fires for Glue dev endpoints, CloudFormation stacks with a service role and instance profiles", () => {
      expect(
        evaluate(
          bySession("glue.amazonaws.com", "CreateDevEndpoint", {
            endpointName: "e",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/glue`,
          }),
        )?.id,
      ).toBe("privilege-escalation");
      expect(
        evaluate(
          bySession("cloudformation.amazonaws.com", "CreateStack", {
            stackName: "s",
            roleARN: `arn:aws:iam::${ACCOUNT}:role/cfn`,
          }),
        )?.reason,
      ).toContain(`role "arn:aws:iam::${ACCOUNT}:role/cfn"`);
      expect(
        evaluate(bySession("cloudformation.amazonaws.com", "UpdateStack", { stackName: "s" })),
      ).toBeUndefined();
      expect(
        evaluate(
          bySession("iam.amazonaws.com", "AddRoleToInstanceProfile", {
            instanceProfileName: "web",
            roleName: "prod-admin",
          }),
        )?.reason,
      ).toContain('role "prod-admin", instance profile "web"');
    });
  });

  describe("vigil's own containment policies", () => {
    it("stays quiet for the session-revocation policy on a role, in plain or URL-encoded form", () => {
      const plain = {
        roleName: "orders-api",
        policyName: "AWSRevokeOlderSessions",
        policyDocument: REVOKE_DOCUMENT,
      };
      expect(evaluate(bySession("iam.amazonaws.com", "PutRolePolicy", plain))).toBeUndefined();
      const encoded = { ...plain, policyDocument: encodeURIComponent(REVOKE_DOCUMENT) };
      expect(evaluate(bySession("iam.amazonaws.com", "PutRolePolicy", encoded))).toBeUndefined();
    });

    it("stays quiet for vigil- deny policies on roles and users", () => {
      const role = {
        roleName: "orders-api",
        policyName: "vigil-quarantine",
        policyDocument: REVOKE_DOCUMENT,
      };
      expect(evaluate(bySession("iam.amazonaws.com", "PutRolePolicy", role))).toBeUndefined();
      const user = { userName: "svc-ci", policyName: "vigil-quarantine", policyDocument: REVOKE_DOCUMENT };
      expect(evaluate(bySession("iam.amazonaws.com", "PutUserPolicy", user))).toBeUndefined();
    });

    it("fires when a policy borrows a containment name but allows something", () => {
      const borrowed = {
        roleName: "orders-api",
        policyName: "vigil-quarantine",
        policyDocument: ALLOW_ALL_DOCUMENT,
      };
      expect(evaluate(bySession("iam.amazonaws.com", "PutRolePolicy", borrowed))?.reason).toContain(
        'inline policy "vigil-quarantine"',
      );
      const unreadable = {
        roleName: "orders-api",
        policyName: "AWSRevokeOlderSessions",
        policyDocument: "{not json",
      };
      expect(evaluate(bySession("iam.amazonaws.com", "PutRolePolicy", unreadable))?.id).toBe(
        "privilege-escalation",
      );
    });

    it("stays quiet when AWS's deny-only managed policies are attached, and fires for other AWS policies", () => {
      const quarantine = {
        userName: "svc-ci",
        policyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
      };
      expect(evaluate(bySession("iam.amazonaws.com", "AttachUserPolicy", quarantine))).toBeUndefined();
      const denyAll = { roleName: "orders-api", policyArn: "arn:aws:iam::aws:policy/AWSDenyAll" };
      expect(evaluate(bySession("iam.amazonaws.com", "AttachRolePolicy", denyAll))).toBeUndefined();
      const lookalike = { roleName: "orders-api", policyArn: `arn:aws:iam::${ACCOUNT}:policy/AWSDenyAll` };
      expect(evaluate(bySession("iam.amazonaws.com", "AttachRolePolicy", lookalike))?.id).toBe(
        "privilege-escalation",
      );
    });

    it("fires for any other inline policy", () => {
      const other = { roleName: "orders-api", policyName: "deploy-extra", policyDocument: REVOKE_DOCUMENT };
      expect(evaluate(bySession("iam.amazonaws.com", "PutRolePolicy", other))?.reason).toContain(
        'iam:PutRolePolicy (changes IAM permissions: role "orders-api", inline policy "deploy-extra")',
      );
      const group = { groupName: "admins", policyName: "vigil-quarantine", policyDocument: REVOKE_DOCUMENT };
      expect(evaluate(bySession("iam.amazonaws.com", "PutGroupPolicy", group))?.id).toBe(
        "privilege-escalation",
      );
    });
  });
});

describe("privilegeEscalation for deployments", () => {
  const deployer = configOf({ profiles: [{ id: "ci", match: { roles: [CI_ROLE] }, deployer: true }] });
  const evaluateAs = (record: RawRecord, config = deployer) => {
    const use = useOf(record);
    return privilegeEscalation.evaluate(use, contextFor(use, { config }));
  };
  const attach = (policyArn: string, roleName = "orders-api") =>
    bySession("iam.amazonaws.com", "AttachRolePolicy", { roleName, policyArn });

  it("stays quiet for a declared deployer's ordinary permission changes and passed roles", () => {
    expect(evaluateAs(attach(`arn:aws:iam::${ACCOUNT}:policy/orders-read`))).toBeUndefined();
    const create = bySession("lambda.amazonaws.com", "CreateFunction20150331", {
      functionName: "orders",
      role: `arn:aws:iam::${ACCOUNT}:role/orders-fn`,
    });
    expect(evaluateAs(create)).toBeUndefined();
    expect(evaluateAs(attach(`arn:aws:iam::${ACCOUNT}:policy/orders-read`), configOf())).toBeDefined();
  });

  it("stays quiet for CloudFormation making a stack's roles", () => {
    const byStack = attach(`arn:aws:iam::${ACCOUNT}:policy/orders-read`);
    expect(
      evaluateAs({ ...byStack, sourceIPAddress: "cloudformation.amazonaws.com" }, configOf()),
    ).toBeUndefined();
  });

  it("still fires when a deployer grants administrator access or changes its own permissions", () => {
    expect(evaluateAs(attach(ADMIN_POLICY))?.reason).toContain(
      "changes IAM permissions, grants administrator access:",
    );
    const own = attach(`arn:aws:iam::${ACCOUNT}:policy/orders-read`, "ci-deployer");
    expect(evaluateAs(own)?.reason).toContain("changes IAM permissions, changes its own permissions:");
    const inline = bySession("iam.amazonaws.com", "PutRolePolicy", {
      roleName: "ci-deployer",
      policyName: "more",
      policyDocument: encodeURIComponent(ALLOW_ALL_DOCUMENT),
    });
    expect(evaluateAs(inline)?.reason).toContain("grants administrator access to itself");
  });
});
