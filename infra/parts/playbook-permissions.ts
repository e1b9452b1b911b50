import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as sns from "aws-cdk-lib/aws-sns";
import { show } from "../../shared/domain/errors.ts";
import { requiredPermissions } from "../../shared/domain/playbooks/steps/registry.ts";
import { VigilPropsError } from "./props-validation.ts";

/** Role names vigil gives its own roles' pattern; the execute role may never change a role matching it. */
export const OWN_ROLE_PATTERN = "vigil-*";

/**
 * Where the actions of each service the playbook steps use take effect: `principal` in the account of
 * the principal a finding names (through the member role when that is another account), `vigil` in
 * vigil's own account (the notify step publishes to vigil's topic). A step needing a service missing
 * here fails synth until the service is added.
 */
export const STEP_SERVICES = {
  iam: "principal",
  secretsmanager: "principal",
  sns: "vigil",
} as const satisfies Record<string, "principal" | "vigil">;

type PrincipalService = {
  [S in keyof typeof STEP_SERVICES]: (typeof STEP_SERVICES)[S] extends "principal" ? S : never;
}[keyof typeof STEP_SERVICES];

/** The resources of `account` each principal-account service's step actions are scoped to. */
export function principalAccountScopes(
  account: string,
  region: string,
): Record<PrincipalService, readonly string[]> {
  const iamArn = `arn:${Aws.PARTITION}:iam::${account}`;
  return {
    iam: [`${iamArn}:user/*`, `${iamArn}:role/*`, `${iamArn}:policy/*`],
    secretsmanager: [`arn:${Aws.PARTITION}:secretsmanager:${region}:${account}:secret:*`],
  };
}

/** The actions of {@link requiredPermissions} whose service acts in the principal's account (sorted). */
export function principalAccountActions(): string[] {
  return requiredPermissions().filter((action) => {
    const service = serviceOf(action);
    return (STEP_SERVICES as Record<string, string>)[service] === "principal";
  });
}

/**
 * One Allow statement per service (sid `PlaybookSteps<Service>`) granting exactly `actions`, each on
 * `scopes[service]`. Throws VigilPropsError naming the action when its service has no scope.
 */
export function playbookStepStatements(
  actions: readonly string[],
  scopes: Readonly<Record<string, readonly string[]>>,
): iam.PolicyStatement[] {
  const byService = new Map<string, string[]>();
  for (const action of actions) {
    const service = serviceOf(action);
    if (scopes[service] === undefined) {
      throw new VigilPropsError(
        `a registered playbook step needs ${show(action)}, and the Vigil construct does not know how to scope ${service} permissions; add the service to STEP_SERVICES and its scope in infra/parts/playbook-permissions.ts`,
      );
    }
    byService.set(service, [...(byService.get(service) ?? []), action]);
  }
  return [...byService].map(
    ([service, serviceActions]) =>
      new iam.PolicyStatement({
        sid: `PlaybookSteps${service.charAt(0).toUpperCase()}${service.slice(1)}`,
        actions: serviceActions,
        resources: [...(scopes[service] ?? [])],
      }),
  );
}

/**
 * The explicit Deny (sid `NeverChangeVigilsOwnRoles`) of every IAM action on roles named
 * {@link OWN_ROLE_PATTERN} in any account and on `ownRoleArns`, so a playbook can never weaken vigil.
 */
export function neverChangeVigilsOwnRoles(ownRoleArns: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "NeverChangeVigilsOwnRoles",
    effect: iam.Effect.DENY,
    actions: ["iam:*"],
    resources: [`arn:${Aws.PARTITION}:iam::*:role/${OWN_ROLE_PATTERN}`, ...ownRoleArns],
  });
}

/**
 * The execute role: exactly the union of the IAM actions the registered playbook steps declare
 * (requiredPermissions()), each service's actions scoped to this account's resources of that service,
 * and the Deny of {@link neverChangeVigilsOwnRoles}.
 */
export function grantPlaybookSteps(
  role: iam.IRole,
  options: { key: kms.IKey; topic: sns.ITopic; ownRoleArns: readonly string[] },
): void {
  const scopes = { ...principalAccountScopes(Aws.ACCOUNT_ID, Aws.REGION), sns: [options.topic.topicArn] };
  for (const statement of playbookStepStatements(requiredPermissions(), scopes)) {
    role.addToPrincipalPolicy(statement);
  }
  // The topic is encrypted with the key: publishing needs it.
  options.key.grant(role, "kms:Decrypt", "kms:GenerateDataKey");
  role.addToPrincipalPolicy(neverChangeVigilsOwnRoles(options.ownRoleArns));
}

function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(":"));
}
