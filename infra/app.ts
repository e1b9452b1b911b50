import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { sampleConfig } from "./sample-config.ts";
import { VigilStack } from "./vigil-stack.ts";

/**
 * The ready CDK app (`npx cdk synth`, `npx cdk deploy`): one VigilStack with the sample configuration
 * in observe mode, checked by cdk-nag's AwsSolutions pack (an unacknowledged finding fails synth).
 * The stack is environment-agnostic, so synth needs no AWS credentials and makes no lookups.
 */
const app = new App();
new VigilStack(app, "VigilStack", {
  description: "vigil: watches machine credentials in CloudTrail (sample configuration, observe mode)",
  vigil: { ...sampleConfig(), mode: "observe" },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
