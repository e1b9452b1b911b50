import { Aws, DefaultStackSynthesizer, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import { EventBus as EventBusTarget } from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { ConfigInput } from "../shared/domain/config/schema.ts";
import { show } from "../shared/domain/errors.ts";
import { compileEventRules } from "./event-patterns.ts";
import { acknowledgePlaybookScopes } from "./parts/nag-acknowledgements.ts";
import { checkLiteral, DEFAULT_MEMBER_ROLE_NAME } from "./parts/organization.ts";
import {
  neverChangeVigilsOwnRoles,
  playbookStepStatements,
  principalAccountActions,
  principalAccountScopes,
} from "./parts/playbook-permissions.ts";
import { validateConfig } from "./parts/props-validation.ts";
import { eventRules } from "./parts/rules.ts";

/** Props of {@link VigilMember}: where the central Vigil is, and the profiles it watches. */
export interface VigilMemberProps {
  /**
   * The ARN of the central Vigil's organization bus: the `OrganizationBusArn` output of the central
   * stack (a plain string; it is checked at synth).
   */
  readonly centralBusArn: string;
  /**
   * The ARN of the central Vigil's execute role: the `ExecuteRoleArn` output of the central stack.
   * The member role trusts this role only.
   */
  readonly centralExecuteRoleArn: string;
  /**
   * The ExternalId the central execute function presents: the central Vigil's
   * `organization.externalId`, whose default is the organization id.
   */
  readonly externalId: string;
  /**
   * The name of the member role: the central Vigil's `organization.memberRoleName`.
   * @default "vigil-member-responder"
   */
  readonly memberRoleName?: string;
  /**
   * The central Vigil's profiles, so the forwarding rules match the same identities (the patterns
   * are compiled exactly as the central Vigil compiles them).
   * @default - none: only the always-on rules and secret reads are forwarded
   */
  readonly profiles?: ConfigInput["profiles"];
  /**
   * Whether to create the member role. IAM is global and the role's name is fixed: in an account
   * with one member stack per Region, create it in one of them only.
   * @default true
   */
  readonly responderRole?: boolean;
}

const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/[\w.\-/]{1,256}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * vigil in a member account of an organization: EventBridge rules on the account's default bus with
 * the central Vigil's compiled patterns (read-only management events included where the central rules
 * include them), each forwarding to the central bus through a role that may only put events there
 * (undeliverable events wait in a dead-letter queue); and the member role (`vigil-member-responder`),
 * trusted only by the central execute role presenting the ExternalId, with exactly the playbook
 * steps' actions that act in the principal's account, scoped to this account, and the same Deny on
 * vigil's own roles as the central execute role.
 *
 * @example
 * new VigilMember(stack, "VigilMember", {
 *   centralBusArn: "arn:aws:events:eu-central-1:111122223333:event-bus/VigilStackVigilOrganizationBusF3DB46D7",
 *   centralExecuteRoleArn: "arn:aws:iam::111122223333:role/VigilStack-VigilExecuteRole6D97846E-AbCdEf",
 *   externalId: "o-a1b2c3d4e5",
 *   profiles: config.profiles,
 * });
 */
export class VigilMember extends Construct {
  /** The forwarding rules on the default bus, by construct id (the compiled rule ids). */
  readonly rules: ReadonlyMap<string, events.Rule>;
  /** The role EventBridge uses to put the forwarded events on the central bus. */
  readonly forwardingRole: iam.Role;
  /** Events the central bus did not accept. */
  readonly deadLetterQueue: sqs.Queue;
  /** The role the central execute function assumes here, when created. */
  readonly responderRole?: iam.Role;

  constructor(scope: Construct, id: string, props: VigilMemberProps) {
    super(scope, id);
    const where = `VigilMember ${show(this.node.path)}`;
    checkLiteral(
      props.centralBusArn,
      BUS_ARN,
      `${where}: centralBusArn`,
      "arn:aws:events:eu-central-1:111122223333:event-bus/vigil",
    );
    checkLiteral(
      props.centralExecuteRoleArn,
      ROLE_ARN,
      `${where}: centralExecuteRoleArn`,
      "arn:aws:iam::111122223333:role/VigilStack-VigilExecuteRole6D97846E-AbCdEf",
    );
    checkLiteral(props.externalId, EXTERNAL_ID, `${where}: externalId`, "o-a1b2c3d4e5");
    const memberRoleName = props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME;
    checkLiteral(memberRoleName, ROLE_NAME, `${where}: memberRoleName`, DEFAULT_MEMBER_ROLE_NAME);
    const centralRegion = BUS_ARN.exec(props.centralBusArn)![1]!;
    const config = validateConfig({ profiles: props.profiles }, where);

    const centralBus = events.EventBus.fromEventBusArn(this, "CentralBus", props.centralBusArn);
    this.forwardingRole = new iam.Role(this, "ForwardingRole", {
      assumedBy: new iam.ServicePrincipal("events.amazonaws.com").withConditions({
        StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
      }),
      description: "vigil: forwards this account's CloudTrail events to the central bus",
    });
    this.deadLetterQueue = new sqs.Queue(this, "ForwardingDeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rules = eventRules(this, compileEventRules(config), {
      target: new EventBusTarget(centralBus, {
        role: this.forwardingRole,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });

    if (props.responderRole ?? true) {
      const role = new iam.Role(this, "ResponderRole", {
        roleName: memberRoleName,
        assumedBy: new iam.ArnPrincipal(props.centralExecuteRoleArn).withConditions({
          StringEquals: { "sts:ExternalId": props.externalId },
        }),
        description: "vigil: the central execute function contains this account's credentials with it",
        maxSessionDuration: Duration.hours(1),
      });
      const statements = playbookStepStatements(
        principalAccountActions(),
        principalAccountScopes(Aws.ACCOUNT_ID, centralRegion),
      );
      for (const statement of statements) role.addToPrincipalPolicy(statement);
      role.addToPrincipalPolicy(neverChangeVigilsOwnRoles([role.roleArn, this.forwardingRole.roleArn]));
      acknowledgePlaybookScopes(role, "<AWS::AccountId>", centralRegion);
      this.responderRole = role;
    }
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is the dead-letter queue of the forwarding rules' targets.",
    });
  }
}

/** Props of {@link VigilMemberStack}: the stack's own, plus the VigilMember construct's. */
export interface VigilMemberStackProps extends StackProps {
  readonly member: VigilMemberProps;
}

/**
 * A stack holding one {@link VigilMember} construct with the id `VigilMember`: what each member
 * account deploys, with `cdk deploy` per account or its synthesized template through CloudFormation
 * StackSets. The template is self-contained for StackSets: no assets, and (unless another synthesizer
 * is given) no check of the CDK bootstrap version, which a StackSet's target accounts may not have.
 */
export class VigilMemberStack extends Stack {
  readonly member: VigilMember;

  constructor(scope: Construct, id: string, props: VigilMemberStackProps) {
    super(scope, id, {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      ...props,
    });
    this.member = new VigilMember(this, "VigilMember", props.member);
  }
}
