import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsIamGateway } from "../../shared/adapters/aws-iam-gateway.ts";
import { AwsSecretsGateway } from "../../shared/adapters/aws-secrets-gateway.ts";
import {
  MEMBER_SESSION_NAME,
  MemberAccountError,
  MemberAccountGateways,
} from "../../shared/adapters/member-account-gateways.ts";
import { NoSuchEntityError } from "../../shared/domain/playbooks/errors.ts";
import { awsClients, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";
import { unique } from "./support/seed.ts";

/** moto's account for credentials it did not issue: the function's own account here. */
const HOME_ACCOUNT = "123456789012";
const ROLE_NAME = "vigil-member-responder";
const EXTERNAL_ID = "o-a1b2c3d4e5";

/**
 * A pass-through proxy in front of moto that keeps the form body of every STS AssumeRole request, so
 * the test can see exactly what the adapter asked for (moto accepts any ExternalId).
 */
async function recordingProxy(
  target: string,
): Promise<{ server: Server; url: string; assumeRoles: URLSearchParams[] }> {
  const assumeRoles: URLSearchParams[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString("utf8"));
      if (form.get("Action") === "AssumeRole") assumeRoles.push(form);
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string" && entry[0] !== "host",
        ),
      );
      const answer = await fetch(`${target}${request.url}`, {
        method: request.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/xml" });
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, assumeRoles };
}

/** IAM and Secrets Manager clients acting as an administrator of `account` in moto. */
async function adminOf(account: string) {
  const clients = awsClients();
  const { Credentials } = await clients.sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      RoleSessionName: "test-admin",
    }),
  );
  const config = {
    endpoint: clients.endpoint,
    region: TEST_REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  };
  return { iam: new IAMClient(config), secrets: new SecretsManagerClient(config) };
}

describe("MemberAccountGateways against moto", () => {
  const home = awsClients();
  const own = { iam: new AwsIamGateway(home.iam), secrets: new AwsSecretsGateway(home.secrets) };
  const member = `2${String(Math.floor(Math.random() * 1e11)).padStart(11, "0")}`;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let gateways: MemberAccountGateways;
  let admin: Awaited<ReturnType<typeof adminOf>>;

  beforeAll(async () => {
    proxy = await recordingProxy(home.endpoint);
    admin = await adminOf(member);
    await admin.iam.send(
      new CreateRoleCommand({
        RoleName: ROLE_NAME,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${HOME_ACCOUNT}:role/vigil-execute` },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "sts:ExternalId": EXTERNAL_ID } },
            },
          ],
        }),
      }),
    );
    gateways = new MemberAccountGateways({
      homeAccountId: HOME_ACCOUNT,
      own,
      memberRoleName: ROLE_NAME,
      externalId: EXTERNAL_ID,
      region: TEST_REGION,
      endpoint: proxy.url,
      masterCredentials: TEST_CREDENTIALS,
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it("acts on a member account's user in that account, through its member role assumed with the ExternalId", async () => {
    const userName = unique("svc-member");
    await admin.iam.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await admin.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const before = proxy.assumeRoles.length;

    const { iam } = gateways.forPrincipal(`arn:aws:iam::${member}:user/${userName}`);
    expect(await iam.getAccessKeyStatus(userName, AccessKey!.AccessKeyId!)).toBe("Active");
    await iam.updateAccessKeyStatus(userName, AccessKey!.AccessKeyId!, "Inactive");

    const { AccessKeyMetadata } = await admin.iam.send(new ListAccessKeysCommand({ UserName: userName }));
    expect(AccessKeyMetadata?.map((k) => k.Status)).toEqual(["Inactive"]);
    // The user exists in the member account only: the home account's state was not touched.
    await expect(home.iam.send(new GetUserCommand({ UserName: userName }))).rejects.toThrow(
      /cannot be found/,
    );
    const assumed = proxy.assumeRoles.slice(before);
    expect(assumed).toHaveLength(1);
    expect(Object.fromEntries(assumed[0]!)).toMatchObject({
      RoleArn: `arn:aws:iam::${member}:role/${ROLE_NAME}`,
      ExternalId: EXTERNAL_ID,
      RoleSessionName: MEMBER_SESSION_NAME,
      DurationSeconds: "900",
    });
  });

  it("describes a member account's secret in that account", async () => {
    const name = unique("member/db");
    await admin.secrets.send(new CreateSecretCommand({ Name: name, SecretString: "not-read" }));
    const { secrets } = gateways.forAccount(member);
    expect((await secrets.describeSecret(name)).arn).toContain(`:${member}:secret:${name}-`);
    await expect(own.secrets.describeSecret(name)).rejects.toBeInstanceOf(NoSuchEntityError);
  });

  it("builds the gateways of an account once, and uses the function's own gateways for the home account", () => {
    const first = gateways.forPrincipal(`arn:aws:iam::${member}:role/app`);
    expect(gateways.forPrincipal(`arn:aws:sts::${member}:assumed-role/app/i-0abc`)).toBe(first);
    expect(gateways.forAccount("210987654321")).not.toBe(first);
    expect(gateways.forPrincipal(`arn:aws:iam::${HOME_ACCOUNT}:user/svc-ci`)).toBe(own);
  });

  it("refuses a principal ARN without an account id, saying what to fix", () => {
    expect(() => gateways.forPrincipal("arn:aws:iam::aws:policy/AWSDenyAll")).toThrow(MemberAccountError);
    expect(() => gateways.forPrincipal("svc-ci")).toThrow(
      /principal "svc-ci" is not an ARN with a 12-digit account id/,
    );
  });
});
