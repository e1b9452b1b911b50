import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Vigil, type VigilProps } from "./vigil.ts";

/** Props of {@link VigilStack}: the stack's own, plus the Vigil construct's. */
export interface VigilStackProps extends StackProps {
  readonly vigil: VigilProps;
}

/**
 * A stack holding one {@link Vigil} construct with the id `Vigil`: what `npx cdk deploy` deploys.
 * It outputs the approvals API's URL, the records bucket, the table and the actions queue (for
 * `vigil console --table`); with `organization` set also what the member stacks need: `OrganizationBusArn` and
 * `ExecuteRoleArn`.
 */
export class VigilStack extends Stack {
  readonly vigil: Vigil;

  constructor(scope: Construct, id: string, props: VigilStackProps) {
    super(scope, id, props);
    this.vigil = new Vigil(this, "Vigil", props.vigil);
    new CfnOutput(this, "ApprovalsApiUrl", {
      description: "vigil: the approvals API (IAM routes under /api/approvals) and signed-link pages",
      value: this.vigil.approvalsApi.url,
    });
    new CfnOutput(this, "RecordsBucketName", {
      description: "vigil: the records exports, under S3 Object Lock in compliance mode",
      value: this.vigil.recordsBucket.bucketName,
    });
    new CfnOutput(this, "TableName", {
      description: "vigil: its DynamoDB table (vigil console --table, vigil records --table)",
      value: this.vigil.table.tableName,
    });
    new CfnOutput(this, "ActionsQueueUrl", {
      description: "vigil: the actions queue (vigil console --table … --actions-queue)",
      value: this.vigil.actionsQueue.queueUrl,
    });
    const bus = this.vigil.organizationBus;
    if (bus !== undefined) {
      new CfnOutput(this, "OrganizationBusArn", {
        description: "vigil: the central bus; the centralBusArn of every VigilMember stack",
        value: bus.eventBus.eventBusArn,
      });
      new CfnOutput(this, "ExecuteRoleArn", {
        description:
          "vigil: the role the member roles trust; the centralExecuteRoleArn of every VigilMember stack",
        value: this.vigil.executeFunction.role!.roleArn,
      });
    }
  }
}
