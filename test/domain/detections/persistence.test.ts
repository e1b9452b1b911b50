import { describe, expect, it } from "vitest";
import { persistence } from "../../../shared/domain/detections/persistence.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const EXTERNAL = "444455556666";
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/svc-ci`;

/** An IAM call made with svc-ci's access key, as CloudTrail logs it (IAM events land in us-east-1). */
function byUserKey(eventName: string, requestParameters: RawRecord | null, extra: RawRecord = {}) {
  return userKeyRecord({
    eventSource: "iam.amazonaws.com",
    eventName,
    awsRegion: "us-east-1",
    requestParameters,
    managementEvent: true,
    eventCategory: "Management",
    ...extra,
  });
}

/** The same call made by a session of the ci-deployer role. */
function bySession(eventName: string, requestParameters: RawRecord | null, extra: RawRecord = {}) {
  return roleSessionRecord(
    {
      eventSource: "iam.amazonaws.com",
      eventName,
      awsRegion: "us-east-1",
      requestParameters,
      readOnly: false,
      managementEvent: true,
      eventCategory: "Management",
      vpcEndpointId: undefined,
      ...extra,
    },
    { role: "ci-deployer" },
  );
}

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return persistence.evaluate(use, contextFor(use));
}

function trust(...principals: unknown[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: principals.map((Principal) => ({ Effect: "Allow", Principal, Action: "sts:AssumeRole" })),
  });
}

describe("persistence", () => {
  it("declares its id and weight", () => {
    expect(persistence.id).toBe("persistence");
    expect(persistence.weight).toBe(40);
  });

  describe("access keys and console passwords", () => {
    it("fires when a user creates an access key for another user, naming both", () => {
      const signal = evaluate(
        byUserKey(
          "CreateAccessKey",
          { userName: "bob" },
          {
            responseElements: {
              accessKey: { accessKeyId: "AKIAEXAMPLENEWKEY001", status: "Active", userName: "bob" },
            },
          },
        ),
      );
      expect(signal?.id).toBe("persistence");
      expect(signal?.reason).toBe(
        `access key AKIAEXAMPLE000000001 of "${USER_ARN}" called iam:CreateAccessKey: new access key for user "bob"`,
      );
    });

    it("stays quiet when a user creates a key for itself, named or implied, with or without a path", () => {
      expect(evaluate(byUserKey("CreateAccessKey", { userName: "svc-ci" }))).toBeUndefined();
      expect(evaluate(byUserKey("CreateAccessKey", null))).toBeUndefined();
      const pathUser = byUserKey(
        "CreateAccessKey",
        { userName: "svc-ci" },
        {
          userIdentity: {
            type: "IAMUser",
            principalId: "AIDAEXAMPLEUSER00001",
            arn: `arn:aws:iam::${ACCOUNT}:user/build/svc-ci`,
            accountId: ACCOUNT,
            accessKeyId: "AKIAEXAMPLE000000001",
            userName: "svc-ci",
          },
        },
      );
      expect(evaluate(pathUser)).toBeUndefined();
    });

    it("fires when a role session creates a key for any user", () => {
      const signal = evaluate(bySession("CreateAccessKey", { userName: "svc-ci" }));
      expect(signal?.reason).toBe(
        `session of "arn:aws:iam::${ACCOUNT}:role/ci-deployer" called iam:CreateAccessKey: new access key for user "svc-ci"`,
      );
    });

    it("words a denied attempt as an attempt", () => {
      const signal = evaluate(
        byUserKey("CreateAccessKey", { userName: "bob" }, { errorCode: "AccessDenied" }),
      );
      expect(signal?.reason).toContain(
        'attempted iam:CreateAccessKey: new access key for user "bob", denied with AccessDenied',
      );
    });

    it("fires for a console password set for another user, not for one's own", () => {
      expect(
        evaluate(byUserKey("CreateLoginProfile", { userName: "bob", passwordResetRequired: false }))?.reason,
      ).toContain('iam:CreateLoginProfile: console password for user "bob"');
      expect(evaluate(byUserKey("UpdateLoginProfile", { userName: "bob" }))?.reason).toContain(
        'new console password for user "bob"',
      );
      expect(evaluate(byUserKey("UpdateLoginProfile", { userName: "svc-ci" }))).toBeUndefined();
    });

    it("stays quiet for key calls that do not create access", () => {
      expect(
        evaluate(byUserKey("DeleteAccessKey", { userName: "bob", accessKeyId: "AKIAEXAMPLE000000009" })),
      ).toBeUndefined();
      expect(evaluate(byUserKey("UpdateAccessKey", { userName: "bob", status: "Active" }))).toBeUndefined();
    });
  });

  it("says an attempt failed when the error is not an authorization failure", () => {
    const exists = byUserKey(
      "CreateUser",
      { userName: "backup-admin" },
      { errorCode: "EntityAlreadyExists" },
    );
    expect(evaluate(exists)?.reason).toContain(
      'attempted iam:CreateUser: new IAM user "backup-admin", failed with EntityAlreadyExists',
    );
  });

  it("fires for a new IAM user, and not for an Identity Center user", () => {
    expect(evaluate(byUserKey("CreateUser", { userName: "backup-admin" }))?.reason).toContain(
      'called iam:CreateUser: new IAM user "backup-admin"',
    );
    const sso = byUserKey(
      "CreateUser",
      { userName: "backup-admin" },
      { eventSource: "sso-directory.amazonaws.com" },
    );
    expect(evaluate(sso)).toBeUndefined();
  });

  describe("trust to another account", () => {
    it("fires for a new role trusting another account's root", () => {
      const signal = evaluate(
        bySession("CreateRole", {
          roleName: "support-access",
          assumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${EXTERNAL}:root` }),
        }),
      );
      expect(signal?.reason).toContain(
        `called iam:CreateRole: role "support-access" trusts account ${EXTERNAL}`,
      );
    });

    it("reads a URL-encoded trust policy and lists every external account once", () => {
      const document = trust({
        AWS: [`arn:aws:iam::${EXTERNAL}:role/x`, "555566667777", `arn:aws:sts::${EXTERNAL}:assumed-role/x/y`],
      });
      const signal = evaluate(
        bySession("UpdateAssumeRolePolicy", {
          roleName: "deploy",
          policyDocument: encodeURIComponent(document),
        }),
      );
      expect(signal?.reason).toContain(`role "deploy" trusts account ${EXTERNAL}, account 555566667777`);
    });

    it("fires for a trust policy open to any principal", () => {
      expect(
        evaluate(bySession("UpdateAssumeRolePolicy", { roleName: "deploy", policyDocument: trust("*") }))
          ?.reason,
      ).toContain("trusts anyone (*)");
      expect(
        evaluate(
          bySession("CreateRole", { roleName: "deploy", assumeRolePolicyDocument: trust({ AWS: "*" }) }),
        )?.reason,
      ).toContain("trusts anyone (*)");
    });

    it("stays quiet for trust to the same account or to services", () => {
      const own = trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }, { Service: "lambda.amazonaws.com" });
      expect(
        evaluate(bySession("CreateRole", { roleName: "worker", assumeRolePolicyDocument: own })),
      ).toBeUndefined();
    });

    it("judges 'other' against the account the call was made in", () => {
      const document = trust({ AWS: `arn:aws:iam::${EXTERNAL}:root` });
      const inThatAccount = bySession(
        "CreateRole",
        { roleName: "x", assumeRolePolicyDocument: document },
        { recipientAccountId: EXTERNAL },
      );
      expect(evaluate(inThatAccount)).toBeUndefined();
      const homeTrust = trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
      const fromHome = bySession(
        "CreateRole",
        { roleName: "x", assumeRolePolicyDocument: homeTrust },
        { recipientAccountId: EXTERNAL },
      );
      expect(evaluate(fromHome)?.reason).toContain(`trusts account ${ACCOUNT}`);
    });

    it("ignores accounts named only in Deny statements", () => {
      const document = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          { Effect: "Deny", Principal: { AWS: `arn:aws:iam::${EXTERNAL}:root` }, Action: "sts:AssumeRole" },
        ],
      });
      expect(
        evaluate(bySession("CreateRole", { roleName: "web", assumeRolePolicyDocument: document })),
      ).toBeUndefined();
    });

    it("scans an unreadable trust policy for account ids instead of failing", () => {
      const broken = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${EXTERNAL}:root"}`;
      expect(
        evaluate(bySession("CreateRole", { roleName: "x", assumeRolePolicyDocument: broken }))?.reason,
      ).toContain(`trusts account ${EXTERNAL}`);
      const ownOnly = `%E0%A4%A {"AWS":"arn:aws:iam::${ACCOUNT}:root"`;
      expect(
        evaluate(bySession("CreateRole", { roleName: "x", assumeRolePolicyDocument: ownOnly })),
      ).toBeUndefined();
    });

    it("stays quiet when no trust policy was logged", () => {
      expect(evaluate(bySession("UpdateAssumeRolePolicy", {}))).toBeUndefined();
    });
  });
});

describe("persistence: new ways back in", () => {
  const root = {
    type: "Root",
    principalId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:root`,
    accountId: ACCOUNT,
    accessKeyId: "ASIAEXAMPLEROOT00001",
  };
  const deployerConfig = configOf({
    profiles: [{ id: "ci", match: { roles: [`arn:aws:iam::${ACCOUNT}:role/ci-deployer`] }, deployer: true }],
  });
  const evaluateAs = (record: RawRecord, config = deployerConfig) => {
    const use = useOf(record);
    return persistence.evaluate(use, contextFor(use, { config }));
  };

  it("fires for identity providers, Roles Anywhere and federation tokens", () => {
    expect(
      evaluate(
        bySession("CreateOpenIDConnectProvider", {
          url: "https://token.example.com",
          clientIDList: ["sts.amazonaws.com"],
        }),
      )?.reason,
    ).toContain(
      'iam:CreateOpenIDConnectProvider: new OpenID Connect identity provider "https://token.example.com"',
    );
    expect(
      evaluate(bySession("CreateSAMLProvider", { name: "okta", sAMLMetadataDocument: "<md/>" }))?.reason,
    ).toContain('new SAML identity provider "okta"');
    const anchor = {
      ...bySession("CreateTrustAnchor", { name: "laptops", source: { sourceType: "CERTIFICATE_BUNDLE" } }),
      eventSource: "rolesanywhere.amazonaws.com",
    };
    expect(evaluate(anchor)?.reason).toContain('new IAM Roles Anywhere trust anchor "laptops"');
    const federation = byUserKey(
      "GetFederationToken",
      { name: "backup" },
      { eventSource: "sts.amazonaws.com" },
    );
    expect(evaluate(federation)?.reason).toContain(
      'federated session "backup", which stays valid up to 36 hours even after the key is deactivated',
    );
  });

  it("fires for an access key the root user makes for itself, even in the console", () => {
    const key = byUserKey("CreateAccessKey", null, {
      userIdentity: root,
      sessionCredentialFromConsole: "true",
    });
    expect(evaluate(key)?.reason).toContain("iam:CreateAccessKey: new access key for the root user");
  });

  it("counts a refused key or password change for an unknown user as an attempt", () => {
    const refused = byUserKey("CreateLoginProfile", null, { errorCode: "AccessDenied" });
    expect(evaluate(refused)?.reason).toContain(
      "attempted iam:CreateLoginProfile: console password for a user not logged (refused calls carry no request), denied with AccessDenied",
    );
  });

  it("stays quiet for a user changing its own password", () => {
    expect(
      evaluate(byUserKey("ChangePassword", { oldPassword: "HIDDEN", newPassword: "HIDDEN" })),
    ).toBeUndefined();
    expect(evaluate(byUserKey("UpdateLoginProfile", { userName: "svc-ci" }))).toBeUndefined();
  });

  it("lets deployers, stacks and the console make users, keys and providers, never outside trust or federation", () => {
    expect(evaluateAs(bySession("CreateUser", { userName: "svc-reports" }))).toBeUndefined();
    expect(evaluateAs(bySession("CreateAccessKey", { userName: "svc-reports" }))).toBeUndefined();
    expect(
      evaluateAs(
        bySession("CreateOpenIDConnectProvider", { url: "https://token.actions.githubusercontent.com" }),
      ),
    ).toBeUndefined();
    const byStack = bySession(
      "CreateUser",
      { userName: "svc-reports" },
      { sourceIPAddress: "cloudformation.amazonaws.com" },
    );
    expect(evaluateAs(byStack, configOf())).toBeUndefined();
    const outside = bySession("CreateRole", {
      roleName: "vendor",
      assumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${EXTERNAL}:root` }),
    });
    expect(evaluateAs(outside)).toBeDefined();
  });

  it("counts accounts of the estate as inside for trust policies", () => {
    const vendor = bySession("CreateRole", {
      roleName: "vendor",
      assumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${EXTERNAL}:root` }),
    });
    expect(evaluateAs(vendor, configOf({ accounts: [EXTERNAL] }))).toBeUndefined();
    const orgOnly = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
        },
      ],
    });
    expect(
      evaluate(bySession("CreateRole", { roleName: "org-readers", assumeRolePolicyDocument: orgOnly })),
    ).toBeUndefined();
  });
});
