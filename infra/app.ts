import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { CONTEXT_KEYS, memberContext, organizationContext } from "./app-context.ts";
import { sampleConfig } from "./sample-config.ts";
import { VigilMemberStack } from "./vigil-member.ts";
import { VigilStack } from "./vigil-stack.ts";

/**
 * The ready CDK app (`npx cdk synth`, `npx cdk deploy`), checked by cdk-nag's AwsSolutions pack (an
 * unacknowledged finding fails synth). By default one VigilStack with the sample configuration in
 * observe mode; with the context `vigil:organization` that stack serves the organization; with the
 * context `vigil:member` the app is a member account's and holds one VigilMemberStack with the same
 * profiles (see app-context.ts for the values). The stacks are environment-agnostic, so synth needs
 * no AWS credentials and makes no lookups.
 */
const app = new App();
const config = sampleConfig();
const member = memberContext(app.node.tryGetContext(CONTEXT_KEYS.member));
if (member !== undefined) {
  new VigilMemberStack(app, "VigilMemberStack", {
    description:
      "vigil: forwards this account's CloudTrail events to the central vigil and lets it respond here",
    member: { ...member, profiles: config.profiles },
  });
} else {
  const organization = organizationContext(app.node.tryGetContext(CONTEXT_KEYS.organization));
  new VigilStack(app, "VigilStack", {
    description: "vigil: watches machine credentials in CloudTrail (sample configuration, observe mode)",
    vigil: { ...config, mode: "observe", ...(organization === undefined ? {} : { organization }) },
  });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
