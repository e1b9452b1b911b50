import {
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
} from "@aws-sdk/client-iam";

/** What a role looks like in IAM: inline policy names, attached policy ARNs, tags. */
export async function roleState(iam: IAMClient, name: string) {
  const inline = (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
  const attached =
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? [];
  const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags ?? [];
  return {
    inline: [...inline].sort(),
    attached: attached.map((p) => p.PolicyArn).sort(),
    tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])),
  };
}

/** What a user looks like in IAM: keys and their status, inline policies, attached policies, tags. */
export async function userState(iam: IAMClient, name: string) {
  const keys = (await iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata ?? [];
  const inline = (await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? [];
  const attached =
    (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies ?? [];
  const tags = (await iam.send(new ListUserTagsCommand({ UserName: name }))).Tags ?? [];
  return {
    keys: keys.map((k) => [k.AccessKeyId, k.Status]),
    inline: [...inline].sort(),
    attached: attached.map((p) => p.PolicyArn).sort(),
    tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])),
  };
}
