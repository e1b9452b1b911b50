import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { AwsServiceError, NoSuchEntityError } from "../domain/playbooks/errors.ts";
import type {
  AccessKeyStatus,
  AttachedPolicy,
  IamGateway,
  IamPrincipal,
  RoleInfo,
} from "../ports/iam-gateway.ts";
import { call } from "./aws-errors.ts";

/** Options of the AWS clients the playbook adapters build. */
export interface AwsClientOptions {
  readonly region?: string;
  /** An emulator (moto) or a VPC endpoint; default: the AWS endpoint of the region. */
  readonly endpoint?: string;
}

/**
 * An IAM client on the default credential chain. The SDK's own retries are off (`maxAttempts: 1`): the
 * playbook executor retries throttling and concurrent modification itself, with jittered backoff.
 */
export function createIamClient(options: AwsClientOptions = {}): IAMClient {
  return new IAMClient({ maxAttempts: 1, region: options.region ?? "us-east-1", ...endpointOf(options) });
}

function endpointOf(options: AwsClientOptions): { endpoint?: string } {
  return options.endpoint === undefined ? {} : { endpoint: options.endpoint };
}

/** IamGateway over the AWS SDK v3 IAM client; every SDK error becomes a typed AwsCallError. */
export class AwsIamGateway implements IamGateway {
  constructor(private readonly client: IAMClient) {}

  async getAccessKeyStatus(userName: string, accessKeyId: string): Promise<AccessKeyStatus> {
    let marker: string | undefined;
    do {
      const page = await call("ListAccessKeys", () =>
        this.client.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker })),
      );
      const key = page.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId);
      if (key !== undefined) return key.Status === "Active" ? "Active" : "Inactive";
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
    throw new NoSuchEntityError(
      "ListAccessKeys",
      "NoSuchEntity",
      `user ${userName} has no access key ${accessKeyId}`,
    );
  }

  async updateAccessKeyStatus(userName: string, accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    await call("UpdateAccessKey", () =>
      this.client.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
      ),
    );
  }

  async getRole(roleName: string): Promise<RoleInfo> {
    const { Role } = await call("GetRole", () =>
      this.client.send(new GetRoleCommand({ RoleName: roleName })),
    );
    const path = Role?.Path ?? "/";
    return { arn: Role?.Arn ?? roleName, path, serviceLinked: path.startsWith("/aws-service-role/") };
  }

  async listInlinePolicies(principal: IamPrincipal): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page =
        principal.kind === "role"
          ? await call("ListRolePolicies", () =>
              this.client.send(new ListRolePoliciesCommand({ RoleName: principal.name, Marker: marker })),
            )
          : await call("ListUserPolicies", () =>
              this.client.send(new ListUserPoliciesCommand({ UserName: principal.name, Marker: marker })),
            );
      names.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
    return names;
  }

  async getInlinePolicy(principal: IamPrincipal, policyName: string): Promise<string | undefined> {
    // Listing first tells "no such policy" (undefined) from "no such principal" (NoSuchEntityError).
    if (!(await this.listInlinePolicies(principal)).includes(policyName)) return undefined;
    const output =
      principal.kind === "role"
        ? await call("GetRolePolicy", () =>
            this.client.send(new GetRolePolicyCommand({ RoleName: principal.name, PolicyName: policyName })),
          )
        : await call("GetUserPolicy", () =>
            this.client.send(new GetUserPolicyCommand({ UserName: principal.name, PolicyName: policyName })),
          );
    const document = output.PolicyDocument ?? "";
    return document.trimStart().startsWith("{") ? document : decodeURIComponent(document);
  }

  async putInlinePolicy(principal: IamPrincipal, policyName: string, document: string): Promise<void> {
    const input = { PolicyName: policyName, PolicyDocument: document };
    if (principal.kind === "role") {
      await call("PutRolePolicy", () =>
        this.client.send(new PutRolePolicyCommand({ RoleName: principal.name, ...input })),
      );
    } else {
      await call("PutUserPolicy", () =>
        this.client.send(new PutUserPolicyCommand({ UserName: principal.name, ...input })),
      );
    }
  }

  async deleteInlinePolicy(principal: IamPrincipal, policyName: string): Promise<void> {
    if (principal.kind === "role") {
      await call("DeleteRolePolicy", () =>
        this.client.send(new DeleteRolePolicyCommand({ RoleName: principal.name, PolicyName: policyName })),
      );
    } else {
      await call("DeleteUserPolicy", () =>
        this.client.send(new DeleteUserPolicyCommand({ UserName: principal.name, PolicyName: policyName })),
      );
    }
  }

  async listAttachedPolicies(principal: IamPrincipal): Promise<AttachedPolicy[]> {
    const policies: AttachedPolicy[] = [];
    let marker: string | undefined;
    do {
      const page =
        principal.kind === "role"
          ? await call("ListAttachedRolePolicies", () =>
              this.client.send(
                new ListAttachedRolePoliciesCommand({ RoleName: principal.name, Marker: marker }),
              ),
            )
          : await call("ListAttachedUserPolicies", () =>
              this.client.send(
                new ListAttachedUserPoliciesCommand({ UserName: principal.name, Marker: marker }),
              ),
            );
      for (const p of page.AttachedPolicies ?? []) {
        if (p.PolicyArn !== undefined) policies.push({ arn: p.PolicyArn, name: p.PolicyName ?? p.PolicyArn });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
    return policies;
  }

  async attachPolicy(principal: IamPrincipal, policyArn: string): Promise<void> {
    if (principal.kind === "role") {
      await call("AttachRolePolicy", () =>
        this.client.send(new AttachRolePolicyCommand({ RoleName: principal.name, PolicyArn: policyArn })),
      );
    } else {
      await call("AttachUserPolicy", () =>
        this.client.send(new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: policyArn })),
      );
    }
  }

  async detachPolicy(principal: IamPrincipal, policyArn: string): Promise<void> {
    if (principal.kind === "role") {
      await call("DetachRolePolicy", () =>
        this.client.send(new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: policyArn })),
      );
    } else {
      await call("DetachUserPolicy", () =>
        this.client.send(new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: policyArn })),
      );
    }
  }

  async createPolicy(name: string, path: string, document: string, description: string): Promise<string> {
    const { Policy } = await call("CreatePolicy", () =>
      this.client.send(
        new CreatePolicyCommand({
          PolicyName: name,
          Path: path,
          PolicyDocument: document,
          Description: description,
        }),
      ),
    );
    if (Policy?.Arn === undefined) {
      throw new AwsServiceError(
        "CreatePolicy",
        "NoPolicyArn",
        `AWS returned no ARN for the new policy ${name}; check the policy in the IAM console`,
      );
    }
    return Policy.Arn;
  }

  async deletePolicy(policyArn: string): Promise<void> {
    await call("DeletePolicy", () => this.client.send(new DeletePolicyCommand({ PolicyArn: policyArn })));
  }

  async listTags(principal: IamPrincipal): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    do {
      const page =
        principal.kind === "role"
          ? await call("ListRoleTags", () =>
              this.client.send(new ListRoleTagsCommand({ RoleName: principal.name, Marker: marker })),
            )
          : await call("ListUserTags", () =>
              this.client.send(new ListUserTagsCommand({ UserName: principal.name, Marker: marker })),
            );
      for (const tag of page.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
    return tags;
  }

  async tag(principal: IamPrincipal, tags: Readonly<Record<string, string>>): Promise<void> {
    const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (principal.kind === "role") {
      await call("TagRole", () => this.client.send(new TagRoleCommand({ RoleName: principal.name, Tags })));
    } else {
      await call("TagUser", () => this.client.send(new TagUserCommand({ UserName: principal.name, Tags })));
    }
  }

  async untag(principal: IamPrincipal, keys: readonly string[]): Promise<void> {
    const TagKeys = [...keys];
    if (principal.kind === "role") {
      await call("UntagRole", () =>
        this.client.send(new UntagRoleCommand({ RoleName: principal.name, TagKeys })),
      );
    } else {
      await call("UntagUser", () =>
        this.client.send(new UntagUserCommand({ UserName: principal.name, TagKeys })),
      );
    }
  }
}
