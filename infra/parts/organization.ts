import { Aws, Stack, Token } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { show } from "../../shared/domain/errors.ts";
import type { CompiledRule } from "../event-patterns.ts";
import { VigilPropsError } from "./props-validation.ts";
import { eventRules } from "./rules.ts";

/** The name of the role the member stacks create and the central execute function assumes. */
export const DEFAULT_MEMBER_ROLE_NAME = "vigil-member-responder";

export { MEMBER_ACCOUNT_ENV } from "../../functions/execute/config.ts";

/** `organization` of VigilProps: receive the events of every account of an AWS Organization. */
export interface VigilOrganizationProps {
  /** The organization's id (`o-` and 10 to 32 lowercase letters or digits). */
  readonly organizationId: string;
  /**
   * The name of the role each member account's stack creates (VigilMember) and the execute function
   * assumes to act on a principal of that account.
   * @default "vigil-member-responder"
   */
  readonly memberRoleName?: string;
  /**
   * The ExternalId the execute function presents when it assumes a member role; the member roles
   * trust only the execute role, and only with this id. Not a secret: a second key against a confused
   * deputy.
   * @default - the organization id
   */
  readonly externalId?: string;
}

/** {@link VigilOrganizationProps} with the defaults applied, validated. */
export interface OrganizationSettings {
  readonly organizationId: string;
  readonly memberRoleName: string;
  readonly externalId: string;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** Applies the defaults and refuses what IAM or Organizations would refuse; `where` names the construct. */
export function organizationSettings(props: VigilOrganizationProps, where: string): OrganizationSettings {
  const settings = {
    organizationId: props.organizationId,
    memberRoleName: props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME,
    externalId: props.externalId ?? props.organizationId,
  };
  checkLiteral(
    settings.organizationId,
    ORGANIZATION_ID,
    `${where}: organization.organizationId`,
    "o-a1b2c3d4e5",
  );
  checkLiteral(
    settings.memberRoleName,
    ROLE_NAME,
    `${where}: organization.memberRoleName`,
    DEFAULT_MEMBER_ROLE_NAME,
  );
  checkLiteral(settings.externalId, EXTERNAL_ID, `${where}: organization.externalId`, "vigil-o-a1b2c3d4e5");
  return settings;
}

/**
 * Refuses `value` unless it is a plain string matching `pattern` (CDK tokens are refused too: the
 * value is compared at synth), with a message naming `field`, showing the value and an `example`.
 */
export function checkLiteral(value: string, pattern: RegExp, field: string, example: string): void {
  if (!Token.isUnresolved(value) && pattern.test(value)) return;
  throw new VigilPropsError(
    `${field} ${Token.isUnresolved(value) ? "is a deploy-time token" : show(value)} is not valid; write a plain string like ${show(example)}`,
  );
}

/**
 * The central bus of an organization (construct id `Organization`, the bus is `Organization/Bus`):
 * any principal of the organization may put events on it (condition aws:PrincipalOrgID), and the
 * compiled rules are created on it too (same patterns, same states, same target) as
 * `Organization/<rule id>`.
 */
export class OrganizationBus extends Construct {
  readonly eventBus: events.EventBus;
  /** The rules on the bus, by construct id. */
  readonly rules: ReadonlyMap<string, events.Rule>;

  constructor(
    scope: Construct,
    id: string,
    options: { organizationId: string; compiledRules: readonly CompiledRule[]; target: events.IRuleTarget },
  ) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, "Bus", {
      description: "vigil: CloudTrail events forwarded by the member accounts of the organization",
    });
    // The policy lives on the bus itself (no separate EventBusPolicy resource), so it names the bus by
    // its ARN built from the name: the bus's own Arn attribute would be a circular reference.
    const bus = this.eventBus.node.defaultChild as events.CfnEventBus;
    const busArn = Stack.of(this).formatArn({
      service: "events",
      resource: "event-bus",
      resourceName: bus.name,
    });
    bus.policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: "MembersOfTheOrganizationPutEvents",
          principals: [new iam.AnyPrincipal()],
          actions: ["events:PutEvents"],
          resources: [busArn],
          conditions: { StringEquals: { "aws:PrincipalOrgID": options.organizationId } },
        }),
      ],
    });
    this.rules = eventRules(this, options.compiledRules, {
      target: options.target,
      eventBus: this.eventBus,
    });
  }
}

/**
 * Lets `role` assume the member role of any account (sid `AssumeMemberResponderRoles`), only when
 * the role belongs to the organization (aws:ResourceOrgID).
 */
export function grantAssumeMemberRoles(role: iam.IRole, settings: OrganizationSettings): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "AssumeMemberResponderRoles",
      actions: ["sts:AssumeRole"],
      resources: [`arn:${Aws.PARTITION}:iam::*:role/${settings.memberRoleName}`],
      conditions: { StringEquals: { "aws:ResourceOrgID": settings.organizationId } },
    }),
  );
}
