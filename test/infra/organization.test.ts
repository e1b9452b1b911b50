import { App, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { compileEventRules } from "../../infra/event-patterns.ts";
import { sampleConfig } from "../../infra/sample-config.ts";
import {
  DEFAULT_MEMBER_ROLE_NAME,
  MEMBER_ACCOUNT_ENV,
  Vigil,
  type VigilProps,
  VigilPropsError,
} from "../../infra/vigil.ts";
import { VigilStack } from "../../infra/vigil-stack.ts";
import { configSchema } from "../../shared/domain/config/schema.ts";
import {
  logicalIdOf,
  type Statement,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
  statementsOf,
  synthStack,
} from "./support/synth.ts";

const ORGANIZATION_ID = "o-a1b2c3d4e5";

describe("Vigil construct with an organization", () => {
  let s: Synthesized;
  let bus: string;
  const compiled = compileEventRules(configSchema.parse(sampleConfig()));

  beforeAll(() => {
    s = synthStack(
      "VigilStack",
      (app) =>
        new VigilStack(app, "VigilStack", {
          vigil: { ...sampleConfig(), organization: { organizationId: ORGANIZATION_ID } },
        }),
    );
    bus = logicalIdOf(s.resources, "AWS::Events::EventBus", "VigilOrganizationBus");
  }, SYNTH_TIMEOUT_MS);

  const rulesOn = (busId: string | undefined) =>
    Object.entries(s.resources).filter(
      ([, r]) =>
        r.Type === "AWS::Events::Rule" &&
        JSON.stringify(r.Properties.EventBusName) ===
          JSON.stringify(busId === undefined ? undefined : { Ref: busId }),
    );

  it("creates a central bus any principal of the organization, and only of it, may put events on", () => {
    s.template.resourceCountIs("AWS::Events::EventBus", 1);
    s.template.resourceCountIs("AWS::Events::EventBusPolicy", 0);
    s.template.hasResourceProperties("AWS::Events::EventBus", {
      Policy: {
        Statement: [
          {
            Sid: "MembersOfTheOrganizationPutEvents",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "events:PutEvents",
            Condition: { StringEquals: { "aws:PrincipalOrgID": ORGANIZATION_ID } },
            Resource: Match.anyValue(),
          },
        ],
      },
    });
  });

  it("creates every compiled rule on the central bus too, with the same pattern and state", () => {
    const onDefault = new Map(rulesOn(undefined).map(([, r]) => [r.Properties.Description, r.Properties]));
    const onBus = rulesOn(bus);
    expect(onBus).toHaveLength(compiled.length);
    expect(onDefault.size).toBe(compiled.length);
    for (const rule of compiled) {
      const central = onBus.find(([id]) =>
        id.startsWith(`VigilOrganization${rule.id.replace(/[^A-Za-z0-9]/g, "")}`),
      );
      expect(central, rule.id).toBeDefined();
      const [, { Properties: props }] = central!;
      expect(props.EventPattern, rule.id).toEqual(onDefault.get(rule.description)?.EventPattern);
      expect(props.State, rule.id).toBe(
        rule.readOnlyEvents ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED",
      );
    }
  });

  it("delivers the central bus's rules to the events queue, with its dead-letter queue, which EventBridge may send to", () => {
    const queue = logicalIdOf(s.resources, "AWS::SQS::Queue", "VigilEventsQueue");
    const dlq = logicalIdOf(s.resources, "AWS::SQS::Queue", "VigilEventsDeadLetterQueue");
    const queuePolicy = Object.values(s.resources).find(
      (r) =>
        r.Type === "AWS::SQS::QueuePolicy" &&
        JSON.stringify(r.Properties.Queues) === JSON.stringify([{ Ref: queue }]),
    );
    const statements = (queuePolicy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: expect.arrayContaining(["sqs:SendMessage"]),
      }),
    );
    for (const [, rule] of rulesOn(bus)) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { "Fn::GetAtt": [queue, "Arn"] },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [dlq, "Arn"] } },
        }),
      ]);
    }
  });

  it("lets the execute role assume the member role by name in any account of the organization only", () => {
    const assume = statementsOf(s.resources, "VigilExecuteRole").filter((st) =>
      st.Action.some((a) => a.startsWith("sts:")),
    );
    expect(assume).toEqual([
      {
        Sid: "AssumeMemberResponderRoles",
        Effect: "Allow",
        Action: ["sts:AssumeRole"],
        Resource: {
          "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:iam::*:role/${DEFAULT_MEMBER_ROLE_NAME}`]],
        },
        Condition: { StringEquals: { "aws:ResourceOrgID": ORGANIZATION_ID } },
      },
    ]);
  });

  it("tells the execute function the member role, the ExternalId (the organization id by default) and its own account", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          [MEMBER_ACCOUNT_ENV.roleName]: DEFAULT_MEMBER_ROLE_NAME,
          [MEMBER_ACCOUNT_ENV.externalId]: ORGANIZATION_ID,
          [MEMBER_ACCOUNT_ENV.homeAccount]: { Ref: "AWS::AccountId" },
        }),
      },
    });
  });

  it("outputs the central bus ARN and the execute role ARN for the member stacks", () => {
    s.template.hasOutput("OrganizationBusArn", { Value: { "Fn::GetAtt": [bus, "Arn"] } });
    s.template.hasOutput("ExecuteRoleArn", {
      Value: { "Fn::GetAtt": [logicalIdOf(s.resources, "AWS::IAM::Role", "VigilExecuteRole"), "Arn"] },
    });
  });

  it("passes cdk-nag's AwsSolutions checks", () => {
    expect(new AwsSolutionsChecks().validateScope(s.app).violations).toEqual([]);
  });
});

describe("Vigil organization props validation", () => {
  const build = (organization: VigilProps["organization"]) => () =>
    new Vigil(new Stack(new App(), "S"), "Vigil", { organization });

  it("refuses an organization id, a role name or an ExternalId that AWS would refuse, naming the field", () => {
    expect(build({ organizationId: "123456789012" })).toThrow(VigilPropsError);
    expect(build({ organizationId: "123456789012" })).toThrow(
      /organization\.organizationId "123456789012" is not valid; write a plain string like "o-a1b2c3d4e5"/,
    );
    expect(build({ organizationId: ORGANIZATION_ID, memberRoleName: "bad role" })).toThrow(
      /organization\.memberRoleName "bad role" is not valid/,
    );
    expect(build({ organizationId: ORGANIZATION_ID, externalId: "x" })).toThrow(
      /organization\.externalId "x" is not valid/,
    );
  });
});
