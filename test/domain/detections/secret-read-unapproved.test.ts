import { describe, expect, it } from "vitest";
import { secretReadUnapproved } from "../../../shared/domain/detections/secret-read-unapproved.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const ORDERS_DB_ARN = `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:prod/orders-db`;
const ORDERS_API = `arn:aws:iam::${ACCOUNT}:role/orders-api`;

const config = configOf({
  secrets: [
    {
      id: "orders-db",
      match: [`${ORDERS_DB_ARN}-*`],
      readers: [ORDERS_API, `arn:aws:iam::${ACCOUNT}:user/svc-ci`],
      sources: ["vpce-0a1b2c3d4e5f60718", "10.0.0.0/16"],
    },
    { id: "reporting-token", match: ["reporting/*"], readers: [ORDERS_API] },
  ],
});

/** A GetSecretValue call shaped like CloudTrail logs it: management event, secretId as the caller passed it. */
function secretRead(secretId: string, overrides: RawRecord = {}, role = "orders-api"): RawRecord {
  return roleSessionRecord(
    {
      eventSource: "secretsmanager.amazonaws.com",
      eventName: "GetSecretValue",
      requestParameters: { secretId },
      responseElements: null,
      readOnly: true,
      managementEvent: true,
      eventCategory: "Management",
      ...overrides,
    },
    { role },
  );
}

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return secretReadUnapproved.evaluate(use, contextFor(use, { config }));
}

describe("secretReadUnapproved", () => {
  it("declares its id and weight", () => {
    expect(secretReadUnapproved.id).toBe("secret-read-unapproved");
    expect(secretReadUnapproved.weight).toBe(25);
  });

  it("stays quiet when a declared reader reads through a declared VPC endpoint", () => {
    expect(evaluate(secretRead("prod/orders-db"))).toBeUndefined();
  });

  it("fires when a principal outside the readers reads the secret by name, naming reader, secret and readers", () => {
    const signal = evaluate(secretRead("prod/orders-db", {}, "batch-job"));
    expect(signal?.id).toBe("secret-read-unapproved");
    expect(signal?.reason).toContain(
      `"arn:aws:iam::${ACCOUNT}:role/batch-job" read with GetSecretValue: secret "prod/orders-db" (profile "orders-db"), not a declared reader`,
    );
    expect(signal?.reason).toContain(`(readers: ${ORDERS_API}, arn:aws:iam::${ACCOUNT}:user/svc-ci)`);
  });

  it("matches the secret by partial ARN", () => {
    const signal = evaluate(secretRead(ORDERS_DB_ARN, {}, "batch-job"));
    expect(signal?.reason).toContain(`secret "${ORDERS_DB_ARN}"`);
  });

  it("matches the secret by full ARN with its random suffix", () => {
    const signal = evaluate(secretRead(`${ORDERS_DB_ARN}-AbC123`, {}, "batch-job"));
    expect(signal?.reason).toContain(`secret "${ORDERS_DB_ARN}-AbC123"`);
  });

  it("stays quiet for a secret no profile declares", () => {
    expect(evaluate(secretRead("prod/payments-db", {}, "batch-job"))).toBeUndefined();
    expect(
      evaluate(
        secretRead(
          `arn:aws:secretsmanager:eu-central-1:444455556666:secret:prod/orders-db-AbC123`,
          {},
          "batch-job",
        ),
      ),
    ).toBeUndefined();
  });

  it("stays quiet for Secrets Manager calls that do not return the value", () => {
    expect(
      evaluate(secretRead("prod/orders-db", { eventName: "DescribeSecret" }, "batch-job")),
    ).toBeUndefined();
  });

  it("fires when a declared reader reads from a source the secret does not list", () => {
    const signal = evaluate(
      secretRead("prod/orders-db", { sourceIPAddress: "198.51.100.7", vpcEndpointId: undefined }),
    );
    expect(signal?.reason).toContain(`"${ORDERS_API}" read with GetSecretValue: secret "prod/orders-db"`);
    expect(signal?.reason).toContain(
      "a declared reader but called from 198.51.100.7, not among the secret's sources",
    );
    expect(signal?.reason).toContain("(vpce-0a1b2c3d4e5f60718, 10.0.0.0/16)");
  });

  it("stays quiet for a declared reader from a declared CIDR, and from AWS Internal where the source is unknown", () => {
    expect(
      evaluate(secretRead("prod/orders-db", { sourceIPAddress: "10.0.3.4", vpcEndpointId: undefined })),
    ).toBeUndefined();
    expect(
      evaluate(secretRead("prod/orders-db", { sourceIPAddress: "AWS Internal", vpcEndpointId: undefined })),
    ).toBeUndefined();
  });

  it("stays quiet for a declared reader from anywhere when the secret declares no sources", () => {
    const record = secretRead("reporting/token", {
      sourceIPAddress: "198.51.100.7",
      vpcEndpointId: undefined,
    });
    expect(evaluate(record)).toBeUndefined();
  });

  it("judges an access key by its user", () => {
    const read = (user: string, key: string) =>
      userKeyRecord({
        userIdentity: {
          type: "IAMUser",
          principalId: "AIDAEXAMPLEUSER00002",
          arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
          accountId: ACCOUNT,
          accessKeyId: key,
          userName: user,
        },
        eventSource: "secretsmanager.amazonaws.com",
        eventName: "GetSecretValue",
        requestParameters: { secretId: "prod/orders-db" },
        sourceIPAddress: "10.0.3.4",
      });
    expect(evaluate(read("svc-ci", "AKIAEXAMPLE000000001"))).toBeUndefined();
    expect(evaluate(read("intern", "AKIAEXAMPLE000000002"))?.reason).toContain(
      `"arn:aws:iam::${ACCOUNT}:user/intern" read with GetSecretValue`,
    );
  });

  it("still fires for a denied read and says it was denied", () => {
    const signal = evaluate(secretRead("prod/orders-db", { errorCode: "AccessDenied" }, "batch-job"));
    expect(signal?.reason).toContain(
      `"arn:aws:iam::${ACCOUNT}:role/batch-job" tried to read with GetSecretValue, denied with AccessDenied: secret "prod/orders-db"`,
    );
  });

  it("checks every secret of a BatchGetSecretValue", () => {
    const record = secretRead(
      "unused",
      {
        eventName: "BatchGetSecretValue",
        requestParameters: { secretIdList: ["prod/payments-db", "reporting/token", "prod/orders-db"] },
      },
      "batch-job",
    );
    const signal = evaluate(record);
    expect(signal?.reason).toContain("read with BatchGetSecretValue: ");
    expect(signal?.reason).toContain('secret "reporting/token" (profile "reporting-token")');
    expect(signal?.reason).toContain('secret "prod/orders-db" (profile "orders-db")');
    expect(signal?.reason).not.toContain("payments");
  });
});

describe("secretReadUnapproved for SSM parameters and filtered reads", () => {
  const withParameters = configOf({
    secrets: [
      {
        id: "db-password",
        match: [`arn:aws:ssm:eu-central-1:${ACCOUNT}:parameter/prod/db/password`],
        readers: [ORDERS_API],
      },
      { id: "api-token", match: ["/prod/api/*"], readers: [ORDERS_API] },
      { id: "orders-db", match: [`${ORDERS_DB_ARN}-*`], readers: [ORDERS_API] },
    ],
  });
  const evaluateWith = (record: RawRecord) => {
    const use = useOf(record);
    return secretReadUnapproved.evaluate(use, contextFor(use, { config: withParameters }));
  };
  const ssm = (eventName: string, requestParameters: RawRecord, role = "reporting") =>
    roleSessionRecord(
      { eventSource: "ssm.amazonaws.com", eventName, requestParameters, readOnly: true },
      { role },
    );

  it("fires when someone else decrypts a declared parameter, by name or by ARN", () => {
    const byName = evaluateWith(ssm("GetParameter", { name: "/prod/db/password", withDecryption: true }));
    expect(byName?.reason).toContain(
      `secret "arn:aws:ssm:eu-central-1:${ACCOUNT}:parameter/prod/db/password" (profile "db-password"), not a declared reader`,
    );
    const many = evaluateWith(
      ssm("GetParameters", { names: ["/prod/api/stripe", "/prod/other"], withDecryption: true }),
    );
    expect(many?.reason).toContain('(profile "api-token")');
  });

  it("stays quiet for readers, for reads without decryption and for undeclared parameters", () => {
    expect(
      evaluateWith(ssm("GetParameter", { name: "/prod/db/password", withDecryption: true }, "orders-api")),
    ).toBeUndefined();
    expect(
      evaluateWith(ssm("GetParameter", { name: "/prod/db/password", withDecryption: false })),
    ).toBeUndefined();
    expect(
      evaluateWith(ssm("GetParameter", { name: "/dev/db/password", withDecryption: true })),
    ).toBeUndefined();
  });

  it("counts a path read as a read of every declared parameter under the path", () => {
    const path = evaluateWith(
      ssm("GetParametersByPath", { path: "/prod", recursive: true, withDecryption: true }),
    );
    expect(path?.reason).toContain('read by path "/prod" (recursive) (profile "db-password")');
    expect(path?.reason).toContain('(profile "api-token")');
    expect(
      evaluateWith(ssm("GetParametersByPath", { path: "/staging/", withDecryption: true })),
    ).toBeUndefined();
  });

  it("counts a BatchGetSecretValue by filter as a read of every secret the filter could match", () => {
    const batch = (filters: unknown) =>
      roleSessionRecord(
        {
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "BatchGetSecretValue",
          requestParameters: { filters },
        },
        { role: "reporting" },
      );
    expect(evaluateWith(batch([{ key: "tag-key", values: ["team"] }]))?.reason).toContain(
      'read by filter "tag-key"="team" (profile "orders-db")',
    );
    expect(evaluateWith(batch([{ key: "name", values: ["prod/"] }]))?.reason).toContain(
      '(profile "orders-db")',
    );
    expect(evaluateWith(batch([{ key: "name", values: ["staging/"] }]))).toBeUndefined();
  });
});
