import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  IamSnapshotError,
  type IamSnapshotPrivilege,
  loadIamSnapshot,
  parseIamSnapshot,
} from "../../shared/adapters/iam-snapshot-privilege.ts";

const FIXTURE = new URL("../fixtures/iam/authorization-details.json", import.meta.url);
const ACCOUNT = "111122223333";

type Entry = Record<string, unknown>;
interface FixtureJson {
  UserDetailList: Entry[];
  GroupDetailList: Entry[];
  RoleDetailList: Entry[];
  Policies: Entry[];
  [key: string]: unknown;
}

/** A fresh copy of the fixture (tests mutate it to build malformed snapshots). */
function fixture(): FixtureJson {
  return JSON.parse(readFileSync(FIXTURE, "utf8"));
}

function privilege(json: unknown = fixture()): IamSnapshotPrivilege {
  return loadIamSnapshot(json, "authorization-details.json");
}

const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

describe("IamSnapshotPrivilege", () => {
  const source = privilege();

  it("finds an administrator whose AdministratorAccess comes from a group", () => {
    expect(source.assess(user("alice"))).toEqual({
      level: "admin",
      reason:
        "every admin probe allowed on * (iam:CreateUser, iam:AttachRolePolicy, ec2:RunInstances, s3:GetObject, " +
        "lambda:CreateFunction, cloudtrail:StopLogging, dynamodb:DeleteTable); " +
        "iam:CreateUser allowed by managed policy AdministratorAccess of group admins",
    });
  });

  it("rates a CI role with inline IAM write on its app roles as iam-write, naming the inline policy", () => {
    expect(source.assess(role("ci-deployer"))).toEqual({
      level: "iam-write",
      reason: "iam:PutRolePolicy on some role allowed by inline policy deploy of role ci-deployer",
    });
  });

  it("says 'on *' when the IAM write is not scoped, using the built-in IAMFullAccess document", () => {
    expect(source.assess(user("automation/svc-terraform"))).toEqual({
      level: "iam-write",
      reason: "iam:PutRolePolicy on * allowed by managed policy IAMFullAccess of user svc-terraform",
    });
  });

  it("rates an app role that reads one secret (URL-encoded inline policy) as secrets-read", () => {
    expect(source.assess(role("service-role/orders-api"))).toEqual({
      level: "secrets-read",
      reason:
        "secretsmanager:GetSecretValue on some secret allowed by inline policy read-orders-db of role orders-api",
    });
  });

  it("rates the read-only auditor as read-only and says an unknown AWS managed policy may understate it", () => {
    expect(source.assess(role("auditor"))).toEqual({
      level: "read-only",
      reason:
        "s3:GetObject on * allowed by managed policy ReadOnlyAccess of role auditor; " +
        "unknown AWS managed policy arn:aws:iam::aws:policy/SecurityAudit: privilege may be understated",
    });
  });

  it("caps an Allow * by the role's permissions boundary and says so", () => {
    expect(source.assess(role("data-loader"))).toEqual({
      level: "read-only",
      reason:
        "s3:GetObject on some S3 object allowed by managed policy AdministratorAccess of role data-loader; " +
        "iam:CreateUser on * blocked by permissions boundary data-loader-boundary",
    });
  });

  it("honours an explicit Deny on iam:* over AdministratorAccess and names the denying policy", () => {
    expect(source.assess(role("ops-automation"))).toEqual({
      level: "secrets-read",
      reason:
        "secretsmanager:GetSecretValue on * allowed by managed policy AdministratorAccess of role ops-automation; " +
        "iam:CreateUser on * explicitly denied by inline policy deny-iam of role ops-automation",
    });
  });

  it("does not treat PowerUserAccess (NotAction iam:*) as admin or IAM write", () => {
    expect(source.assess(role("sandbox-dev"))).toEqual({
      level: "secrets-read",
      reason:
        "secretsmanager:GetSecretValue on * allowed by managed policy PowerUserAccess of role sandbox-dev",
    });
  });

  it("evaluates only the default version of a managed policy", () => {
    // orders-table-rw v1 (not default) allows iam:* on *; v2 (default, URL-encoded) only DynamoDB items.
    expect(source.assess(role("orders-worker"))).toEqual({
      level: "data-write",
      reason:
        "dynamodb:PutItem on some DynamoDB table allowed by managed policy orders-table-rw of role orders-worker",
    });
  });

  it("rates S3 and SQS writers as data-write", () => {
    expect(source.assess(user("report-bot"))).toEqual({
      level: "data-write",
      reason: "s3:PutObject on some S3 object allowed by inline policy publish-reports of user report-bot",
    });
  });

  it("does not count a user managing its own access keys as IAM write", () => {
    expect(source.assess(user("svc-metrics"))).toEqual({
      level: "read-only",
      reason: "s3:GetObject on some S3 object allowed by inline policy self-keys of user svc-metrics",
    });
  });

  it("rates a role without policies as none, and one with only unknown policies as none with a caveat", () => {
    expect(source.assess(role("idle"))).toEqual({
      level: "none",
      reason: "role idle has no identity policies",
    });
    expect(source.assess(role("thumbnailer"))).toEqual({
      level: "none",
      reason:
        "role thumbnailer has no known identity policies; unknown AWS managed policy " +
        "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole: privilege may be understated",
    });
  });

  it("returns undefined for principals it does not know, and for session ARNs", () => {
    expect(source.assess(role("not-in-snapshot"))).toBeUndefined();
    expect(source.assess(`arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/run-42`)).toBeUndefined();
    expect(source.assess("not an arn")).toBeUndefined();
  });

  it("caches each assessment by principal ARN", () => {
    const fresh = privilege();
    const first = fresh.assess(role("ci-deployer"));
    expect(fresh.assess(role("ci-deployer"))).toBe(first);
  });

  it("lists every user and role of the snapshot", () => {
    expect(source.principalArns).toHaveLength(13);
    expect(source.principalArns).toContain(role("service-role/orders-api"));
  });

  it("says when a group or a customer managed policy is missing from the snapshot", () => {
    const json = {
      UserDetailList: [
        {
          UserName: "bob",
          Arn: user("bob"),
          GroupList: ["ghosts"],
          AttachedManagedPolicies: [{ PolicyName: "gone", PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/gone` }],
          UserPolicyList: [],
        },
      ],
    };
    expect(privilege(json).assess(user("bob"))).toEqual({
      level: "none",
      reason:
        "user bob has no known identity policies; " +
        `managed policy arn:aws:iam::${ACCOUNT}:policy/gone is not in the snapshot: privilege may be understated; ` +
        "group ghosts is not in the snapshot: privilege may be understated",
    });
  });

  it("assesses a few hundred principals well within a second", () => {
    const json = fixture();
    const roles = json.RoleDetailList as Array<Record<string, string>>;
    json.RoleDetailList = Array.from({ length: 300 }, (_, i) => {
      const base = roles[i % roles.length] ?? {};
      return { ...base, RoleName: `${base.RoleName}-${i}`, Arn: `${base.Arn}-${i}` };
    });
    const many = privilege(json);
    const started = performance.now();
    for (const arn of many.principalArns) expect(many.assess(arn)?.level).toBeDefined();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("loadIamSnapshot", () => {
  const FIX = "load the complete JSON written by `aws iam get-account-authorization-details --output json`";

  function loadError(json: unknown): string {
    try {
      loadIamSnapshot(json, "snapshot.json");
    } catch (error) {
      expect(error).toBeInstanceOf(IamSnapshotError);
      return (error as Error).message;
    }
    throw new Error("expected loadIamSnapshot to throw");
  }

  function withRolePolicy(index: number, document: unknown): unknown {
    const json = fixture();
    const roles = json.RoleDetailList as Array<{
      RolePolicyList: Array<{ PolicyName: string; PolicyDocument: unknown }>;
    }>;
    const target = roles[index]?.RolePolicyList;
    if (target === undefined) throw new Error(`fixture has no role ${index}`);
    target[0] = { PolicyName: target[0]?.PolicyName ?? "broken", PolicyDocument: document };
    return json;
  }

  it("accepts documents as objects and as URL-encoded JSON strings", () => {
    const snapshot = parseIamSnapshot(fixture(), "authorization-details.json");
    const ordersApi = snapshot.RoleDetailList.find((r) => r.RoleName === "orders-api");
    expect(ordersApi?.RolePolicyList[0]?.PolicyDocument.Statement[0]?.Action).toEqual([
      "secretsmanager:GetSecretValue",
    ]);
  });

  it("names the path of a statement that is not valid", () => {
    const bad = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Permit", Action: "s3:GetObject", Resource: "*" }],
    };
    expect(loadError(withRolePolicy(3, bad))).toBe(
      "snapshot.json: RoleDetailList[3].RolePolicyList[0].PolicyDocument is not a policy document: " +
        `Statement[0].Effect must be "Allow" or "Deny", got "Permit"; ${FIX}`,
    );
  });

  it("names a document that is neither JSON nor URL-encoded JSON", () => {
    expect(loadError(withRolePolicy(4, "%7B%22Version%22%3A"))).toBe(
      "snapshot.json: RoleDetailList[4].RolePolicyList[0].PolicyDocument is not a policy document: " +
        `"%7B%22Version%22%3A" is not JSON (after URL-decoding); ${FIX}`,
    );
  });

  it("rejects a statement without Action or NotAction, and an action without a service", () => {
    expect(loadError(withRolePolicy(0, { Statement: { Effect: "Allow", Resource: "*" } }))).toBe(
      "snapshot.json: RoleDetailList[0].RolePolicyList[0].PolicyDocument is not a policy document: " +
        `Statement[0] needs exactly one of Action or NotAction; ${FIX}`,
    );
    expect(
      loadError(withRolePolicy(0, { Statement: { Effect: "Allow", Action: "GetObject", Resource: "*" } })),
    ).toBe(
      "snapshot.json: RoleDetailList[0].RolePolicyList[0].PolicyDocument is not a policy document: " +
        `Statement[0].Action has "GetObject", which is not "*" or "service:action"; ${FIX}`,
    );
  });

  it("names a missing field and a managed policy without a default version", () => {
    const json = fixture();
    delete json.RoleDetailList[2]?.Arn;
    expect(loadError(json)).toBe(`snapshot.json: RoleDetailList[2].Arn is missing; ${FIX}`);

    const noDefault = fixture();
    const versions = (noDefault.Policies[0] as { PolicyVersionList: Array<{ IsDefaultVersion: boolean }> })
      .PolicyVersionList;
    for (const version of versions) version.IsDefaultVersion = false;
    expect(loadError(noDefault)).toBe(
      `snapshot.json: Policies[0].PolicyVersionList has no version with IsDefaultVersion true; ${FIX}`,
    );
  });

  it("names a null document and a bad field of a lone statement", () => {
    expect(loadError(withRolePolicy(1, null))).toBe(
      "snapshot.json: RoleDetailList[1].RolePolicyList[0].PolicyDocument is not a policy document: " +
        `document must be an object, got null; ${FIX}`,
    );
    expect(
      loadError(withRolePolicy(1, { Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: 7 } })),
    ).toBe(
      "snapshot.json: RoleDetailList[1].RolePolicyList[0].PolicyDocument is not a policy document: " +
        `Statement[0].Resource must be a string or a list of strings, got 7; ${FIX}`,
    );
  });

  it("rejects something that is not a snapshot, and one page of a paged export", () => {
    expect(loadError([])).toBe(`snapshot.json: snapshot must be a JSON object, got []; ${FIX}`);
    expect(loadError({ ...fixture(), IsTruncated: true })).toBe(
      `snapshot.json: IsTruncated is true: this is one page of the output, not the whole account; ${FIX}`,
    );
  });
});
