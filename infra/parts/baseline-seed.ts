import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CustomResource, Validations } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Provider } from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { BUNDLED } from "../../functions/common/function-config.ts";
import { acknowledgeInvokeVersions, acknowledgePinnedRuntime } from "./nag-acknowledgements.ts";

/** Days of CloudTrail event history a first deploy learns from; LookupEvents keeps 90. */
export const DEFAULT_SEED_DAYS = 7;
export const MAX_SEED_DAYS = 90;

/**
 * Seeds the baselines on the first deploy (construct id `BaselineSeed`): a custom resource
 * (`Custom::VigilBaselineSeed`) whose provider calls the seed function, which learns from the last
 * `days` of CloudTrail event history so the evaluate function does not start blind. Its `ProfilesHash`
 * property is the hash of the bundled config: a deploy that changes the profiles seeds again.
 */
export class BaselineSeed extends Construct {
  readonly resource: CustomResource;

  constructor(
    scope: Construct,
    id: string,
    props: { fn: lambda.IFunction; days: number; dataDir: string; retention: logs.RetentionDays },
  ) {
    super(scope, id);
    const provider = new Provider(this, "Provider", {
      onEventHandler: props.fn,
      logGroup: new logs.LogGroup(this, "ProviderLogs", { retention: props.retention }),
    });
    const config = readFileSync(join(props.dataDir, BUNDLED.configFile));
    this.resource = new CustomResource(this, "Resource", {
      serviceToken: provider.serviceToken,
      resourceType: "Custom::VigilBaselineSeed",
      properties: {
        Days: String(props.days),
        ProfilesHash: createHash("sha256").update(config).digest("hex"),
      },
    });
    const framework = provider.node.tryFindChild("framework-onEvent");
    if (framework !== undefined) {
      acknowledgePinnedRuntime(framework as lambda.IFunction);
      Validations.of(framework).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason:
          "CDK's custom-resource framework function, run only at deploy time; the managed policy only lets it write its logs.",
      });
      acknowledgeInvokeVersions(framework, props.fn, "CDK's custom-resource framework");
    }
  }
}
