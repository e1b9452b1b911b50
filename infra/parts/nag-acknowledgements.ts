import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/**
 * The cdk-nag (AwsSolutions) findings vigil accepts, one function per reason, each called by the code
 * that creates the resource it is about. An unacknowledged finding fails synth.
 */

/** The construct id CDK gives its stack-wide bucket-notifications handler. */
const BUCKET_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

/** AwsSolutions-L1 on a function pinned to Node.js 22. */
export function acknowledgePinnedRuntime(fn: lambda.IFunction): void {
  Validations.of(fn).acknowledge({
    id: "AwsSolutions-L1",
    reason:
      "Pinned to Node.js 22 on purpose: the project's toolchain and tests run Node 20/22; the runtime moves with the project, not with each Lambda release.",
  });
}

/**
 * AwsSolutions-IAM5 on a role granted the playbook steps' actions on every user, role, policy and
 * secret of `account` (`<AWS::AccountId>` for vigil's own account) in `region`, as cdk-nag prints them.
 */
export function acknowledgePlaybookScopes(role: iam.IRole, account: string, region: string): void {
  const iamArn = `arn:<AWS::Partition>:iam::${account}`;
  for (const [resource, reason] of [
    [
      `${iamArn}:user/*`,
      "Playbooks contain whichever IAM user a finding names (deactivate its key, quarantine it): the user is only known at run time; the actions are exactly those the registered steps declare, and vigil's own roles are denied.",
    ],
    [
      `${iamArn}:role/*`,
      "Playbooks revoke the sessions of, or quarantine, whichever role a finding names: only known at run time; an explicit Deny keeps vigil's own roles out of reach, and protected principals are refused by the guards.",
    ],
    [
      `${iamArn}:policy/*`,
      "The quarantine steps create and delete vigil's deny policies under the /vigil/ path, named per principal at run time.",
    ],
    [
      `arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:*`,
      "rotate-secret acts on whichever secret a finding names; it may only describe and start a rotation, never read a value.",
    ],
  ] as const) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }
}

/** AwsSolutions-IAM5 on the execute role allowed to assume the member role `roleName` of any account. */
export function acknowledgeMemberRoleAssumption(role: iam.IRole, roleName: string): void {
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${roleName}]`,
    reason:
      "The principal a finding names may live in any account of the organization, only known at run time: the execute role may assume only the member role's name, only in accounts of the organization (aws:ResourceOrgID), and each member role trusts only this role with the ExternalId.",
  });
}

/** AwsSolutions-IAM5 on the ingest role reading the trail files under `AWSLogs/` of `bucket`. */
export function acknowledgeTrailFileReads(role: iam.IRole, bucket: s3.IBucket): void {
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/AWSLogs/*]`,
    reason:
      "CloudTrail names its files by account, Region, date and a random suffix under AWSLogs/: the ingest function may read exactly that prefix, and only s3:GetObject.",
  });
}

/** AwsSolutions-IAM4 on CDK's stack-wide bucket-notifications handler, when the stack of `scope` has one. */
export function acknowledgeBucketNotificationsHandler(scope: Construct): void {
  // CDK configures bucket notifications through one stack-wide custom resource; vigil added it.
  const handler = Stack.of(scope).node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER);
  if (handler === undefined) return;
  Validations.of(handler).acknowledge({
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    reason:
      "CDK's own handler that sets the trail bucket's notification at deploy time; the managed policy only lets it write its logs.",
  });
}

/** AwsSolutions-S1 on the trail bucket vigil creates. */
export function acknowledgeTrailBucketAccessLogs(bucket: s3.IBucket): void {
  Validations.of(bucket).acknowledge({
    id: "AwsSolutions-S1",
    reason:
      "The bucket only receives CloudTrail's own deliveries, written by the CloudTrail service; server access logs would need another bucket that needs the same exception.",
  });
}

/** AwsSolutions-IAM5 on the export role writing and reading back exports under `records/` of `bucket`. */
export function acknowledgeRecordsExport(role: iam.IRole, bucket: s3.IBucket): void {
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/records/*]`,
    reason:
      "Exports are named by day and sequence range under records/, only known when they run: the export function may put and read back objects of exactly that prefix; Object Lock keeps what it wrote.",
  });
}

/**
 * AwsSolutions-IAM5 on roles CDK creates to invoke `fn` (the custom-resource framework, EventBridge
 * Scheduler's target role), which CDK grants on the function and its versions (`<arn>:*`): `holder` is
 * the construct holding those roles' policies.
 */
export function acknowledgeInvokeVersions(holder: Construct, fn: lambda.IFunction, who: string): void {
  const resource = fn.node.defaultChild;
  const arn =
    resource instanceof Construct
      ? `<${Stack.of(resource).getLogicalId(resource as CfnElement)}.Arn>`
      : fn.functionArn;
  Validations.of(holder).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${arn}:*]`,
    reason: `${who} may invoke only this vigil function and its versions (CDK grants the versions with a wildcard).`,
  });
}

/** EventBridge Scheduler's target roles, which CDK creates at the stack level, one per target function. */
export function schedulerTargetRoles(scope: Construct): Construct[] {
  return Stack.of(scope).node.children.filter((c) => c.node.id.startsWith("SchedulerRoleForTarget-"));
}

/** How cdk-nag names a bucket's ARN in a finding: `<LogicalId.Arn>` for a bucket of this app, else the ARN. */
function nagArn(bucket: s3.IBucket): string {
  const resource = bucket.node.defaultChild;
  if (resource instanceof s3.CfnBucket) return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
  return bucket.bucketArn;
}
