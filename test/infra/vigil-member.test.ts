import { App, Lazy, Stack } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { compileEventRules } from "../../infra/event-patterns.ts";
import {
  OWN_ROLE_PATTERN,
  principalAccountActions,
  STEP_SERVICES,
} from "../../infra/parts/playbook-permissions.ts";
import { sampleConfig } from "../../infra/sample-config.ts";
import { VigilPropsError } from "../../infra/vigil.ts";
import { VigilMember, type VigilMemberProps, VigilMemberStack } from "../../infra/vigil-member.ts";
import { configSchema } from "../../shared/domain/config/schema.ts";
import { requiredPermissions } from "../../shared/domain/playbooks/steps/registry.ts";
import { logicalIdOf, type Statement, type Synthesized, statementsOf, synthStack } from "./support/synth.ts";

const CENTRAL: Omit<VigilMemberProps, "profiles"> = {
  centralBusArn: "arn:aws:events:eu-central-1:111122223333:event-bus/VigilStackVigilOrganizationBusF3DB46D7",
  centralExecuteRoleArn: "arn:aws:iam::111122223333:role/VigilStack-VigilExecuteRole6D97846E-AbCdEf",
  externalId: "o-a1b2c3d4e5",
};

function synthMember(member: Partial<VigilMemberProps> = {}): Synthesized {
  return synthStack(
    "VigilMemberStack",
    (app) =>
      new VigilMemberStack(app, "VigilMemberStack", {
        member: { ...CENTRAL, profiles: sampleConfig().profiles, ...member },
      }),
  );
}

describe("VigilMember stack", () => {
  let s: Synthesized;
  const compiled = compileEventRules(configSchema.parse(sampleConfig()));
  const rules = () => Object.entries(s.resources).filter(([, r]) => r.Type === "AWS::Events::Rule");

  beforeAll(() => {
    s = synthMember();
  });

  it("creates the central Vigil's compiled rules on the default bus, same patterns and states", () => {
    expect(rules()).toHaveLength(compiled.length);
    for (const rule of compiled) {
      const found = rules().find(([id]) =>
        id.startsWith(`VigilMember${rule.id.replace(/[^A-Za-z0-9]/g, "")}`),
      );
      expect(found, rule.id).toBeDefined();
      const props = found![1].Properties;
      expect(props.EventBusName, rule.id).toBeUndefined();
      expect(props.EventPattern, rule.id).toEqual(JSON.parse(JSON.stringify(rule.pattern)));
      expect(props.State, rule.id).toBe(
        rule.readOnlyEvents ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED",
      );
    }
  });

  it("forwards every rule to the central bus through the forwarding role, with a dead-letter queue", () => {
    const role = logicalIdOf(s.resources, "AWS::IAM::Role", "VigilMemberForwardingRole");
    const dlq = logicalIdOf(s.resources, "AWS::SQS::Queue", "VigilMemberForwardingDeadLetterQueue");
    for (const [, rule] of rules()) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: CENTRAL.centralBusArn,
          RoleArn: { "Fn::GetAtt": [role, "Arn"] },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [dlq, "Arn"] } },
        }),
      ]);
    }
  });

  it("lets the forwarding role only put events on the central bus, assumed by EventBridge of this account", () => {
    const id = logicalIdOf(s.resources, "AWS::IAM::Role", "VigilMemberForwardingRole");
    expect(s.resources[id]?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
        },
      ],
    });
    expect(statementsOf(s.resources, "VigilMemberForwardingRole")).toEqual([
      { Effect: "Allow", Action: ["events:PutEvents"], Resource: CENTRAL.centralBusArn },
    ]);
  });

  it("creates the member role trusted only by the central execute role presenting the ExternalId", () => {
    const id = logicalIdOf(s.resources, "AWS::IAM::Role", "VigilMemberResponderRole");
    const role = s.resources[id]!.Properties;
    expect(role.RoleName).toBe("vigil-member-responder");
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: CENTRAL.centralExecuteRoleArn },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": CENTRAL.externalId } },
        },
      ],
    });
  });

  it("grants the member role exactly the steps' actions that act in the principal's account, scoped to this account", () => {
    const statements = statementsOf(s.resources, "VigilMemberResponderRole");
    const allowed = statements.filter((st) => st.Effect === "Allow");
    expect(allowed.flatMap((st) => st.Action).sort()).toEqual(principalAccountActions());
    // Only the actions of services that act in vigil's own account (the notify step's topic) are left out.
    const leftOut = requiredPermissions().filter((a) => !principalAccountActions().includes(a));
    expect(leftOut.length).toBeGreaterThan(0);
    for (const action of leftOut) {
      expect(STEP_SERVICES[action.split(":")[0] as keyof typeof STEP_SERVICES], action).toBe("vigil");
    }
    const resources = (sid: string) =>
      JSON.stringify(allowed.find((st: Statement) => st.Sid === sid)?.Resource);
    expect(resources("PlaybookStepsIam")).toContain(':iam::",{"Ref":"AWS::AccountId"},":user/*"');
    expect(resources("PlaybookStepsSecretsmanager")).toContain(
      ':secretsmanager:eu-central-1:",{"Ref":"AWS::AccountId"},":secret:*"',
    );
  });

  it("denies the member role every IAM action on vigil's own roles, itself and the forwarding role included", () => {
    const deny = statementsOf(s.resources, "VigilMemberResponderRole").filter((st) => st.Effect === "Deny");
    expect(deny).toHaveLength(1);
    expect(deny[0]?.Sid).toBe("NeverChangeVigilsOwnRoles");
    expect(deny[0]?.Action).toEqual(["iam:*"]);
    const resources = JSON.stringify(deny[0]?.Resource);
    expect(resources).toContain(`:iam::*:role/${OWN_ROLE_PATTERN}`);
    for (const role of ["VigilMemberResponderRole", "VigilMemberForwardingRole"]) {
      expect(resources).toContain(
        JSON.stringify({ "Fn::GetAtt": [logicalIdOf(s.resources, "AWS::IAM::Role", role), "Arn"] }),
      );
    }
  });

  it("synthesizes a template StackSets can deploy: no function, no asset, no bootstrap version check", () => {
    s.template.resourceCountIs("AWS::Lambda::Function", 0);
    const template = s.template.toJSON() as { Parameters?: object; Rules?: object };
    expect(template.Parameters).toBeUndefined();
    expect(template.Rules).toBeUndefined();
  });

  it("passes cdk-nag's AwsSolutions checks", () => {
    expect(new AwsSolutionsChecks().validateScope(s.app).violations).toEqual([]);
  });
});

describe("VigilMember without the responder role", () => {
  it("forwards events only (for the stacks of the other Regions of an account)", () => {
    const s = synthMember({ responderRole: false, profiles: undefined });
    const roles = Object.values(s.resources).filter((r) => r.Type === "AWS::IAM::Role");
    expect(roles).toHaveLength(1);
    expect(roles[0]?.Properties.RoleName).toBeUndefined();
    s.template.resourceCountIs("AWS::Events::Rule", compileEventRules({ profiles: [] }).length);
  });
});

describe("VigilMember props validation", () => {
  const build = (member: Partial<VigilMemberProps>) => () =>
    new VigilMember(new Stack(new App(), "S"), "VigilMember", { ...CENTRAL, ...member });

  it("refuses a central bus ARN or an execute role ARN that is not one, naming the field and the value", () => {
    expect(build({ centralBusArn: "arn:aws:sqs:eu-central-1:111122223333:q" })).toThrow(VigilPropsError);
    expect(build({ centralBusArn: "arn:aws:sqs:eu-central-1:111122223333:q" })).toThrow(
      /VigilMember "S\/VigilMember": centralBusArn "arn:aws:sqs:eu-central-1:111122223333:q" is not valid/,
    );
    expect(build({ centralExecuteRoleArn: "arn:aws:iam::111122223333:user/x" })).toThrow(
      /centralExecuteRoleArn "arn:aws:iam::111122223333:user\/x" is not valid/,
    );
  });

  it("refuses a deploy-time token where the ARN is compared at synth", () => {
    expect(build({ centralBusArn: Lazy.string({ produce: () => CENTRAL.centralBusArn }) })).toThrow(
      /centralBusArn is a deploy-time token is not valid/,
    );
  });

  it("refuses an ExternalId or role name IAM would refuse, and an invalid profile", () => {
    expect(build({ externalId: "x" })).toThrow(/externalId "x" is not valid/);
    expect(build({ memberRoleName: "a/b" })).toThrow(/memberRoleName "a\/b" is not valid/);
    expect(build({ profiles: [{ id: "ci", match: {} }] })).toThrow(VigilPropsError);
  });
});
