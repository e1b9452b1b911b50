import { Aws, type CfnElement, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/** Routes only an IAM (SigV4) caller reaches: the JSON API for the CLI and automation. */
const IAM_ROUTES: ReadonlyArray<readonly [apigw.HttpMethod, string]> = [
  [apigw.HttpMethod.GET, "/api/approvals"],
  [apigw.HttpMethod.GET, "/api/approvals/{id}"],
  [apigw.HttpMethod.POST, "/api/approvals/{id}/approve"],
  [apigw.HttpMethod.POST, "/api/approvals/{id}/deny"],
];

/** Routes without IAM: the signed link is the credential (and the stylesheet and front page carry no data). */
const LINK_ROUTES: ReadonlyArray<readonly [apigw.HttpMethod, string]> = [
  [apigw.HttpMethod.GET, "/links/{token}"],
  [apigw.HttpMethod.POST, "/links/{token}"],
  [apigw.HttpMethod.GET, "/static/console.css"],
  [apigw.HttpMethod.GET, "/"],
];

/**
 * What the access log keeps of a request. Never the path or the Referer: a link's path is its
 * credential. The route key names the route without the token.
 */
const ACCESS_LOG = AccessLogFormat.custom(
  JSON.stringify({
    requestId: "$context.requestId",
    time: "$context.requestTime",
    routeKey: "$context.routeKey",
    status: "$context.status",
    sourceIp: "$context.identity.sourceIp",
    caller: "$context.identity.userArn",
    latency: "$context.responseLatency",
    integrationError: "$context.integrationErrorMessage",
  }),
);

/**
 * The approvals door of a deployment (construct id `ApprovalsApi`): an HTTP API in front of the
 * approvals function with IAM authorization on `/api/*` and signed-link pages on `/links/{token}`;
 * the secret that signs the links (64 random characters, encrypted with `key`); access logs without
 * paths; throttling. `grantDecide` lets on-call roles call the IAM routes.
 */
export class ApprovalsApi extends Construct {
  readonly api: apigw.HttpApi;
  /** Signs and verifies approval links; read once per cold start by the functions that use links. */
  readonly linkSecret: secretsmanager.Secret;

  constructor(
    scope: Construct,
    id: string,
    props: { fn: lambda.IFunction; key: kms.IKey; retention: logs.RetentionDays },
  ) {
    super(scope, id);
    this.linkSecret = new secretsmanager.Secret(this, "LinkSecret", {
      description: "vigil: signs approval links (HMAC-SHA256); rotating it invalidates the links sent",
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.HttpApi(this, "Api", {
      description: "vigil approvals: IAM-authorized API and signed approval links",
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: props.retention,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: 10, burstLimit: 20 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG,
      },
    });
    const integration = new HttpLambdaIntegration("Approvals", props.fn);
    const authorizer = new HttpIamAuthorizer();
    for (const [method, path] of IAM_ROUTES) {
      this.api.addRoutes({ path, methods: [method], integration, authorizer });
    }
    for (const [method, path] of LINK_ROUTES) {
      for (const route of this.api.addRoutes({ path, methods: [method], integration })) {
        Validations.of(route).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "The signed link is the credential: HMAC-SHA256 under a secret only vigil holds, single use, bound to one request, one action and one approver, and valid at most one hour; the stylesheet and the front page carry no data.",
        });
      }
    }
    Validations.of(this.linkSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotating the link secret invalidates every approval link already sent; rotate it by hand (put-secret-value) when needed, links live at most one hour.",
    });
  }

  /** The API's base URL (`$default` stage: no stage prefix), what links point at. */
  get url(): string {
    return this.api.apiEndpoint;
  }

  /** Lets `grantee` call the IAM routes (list, show, approve, deny); approvers per playbook still apply. */
  grantDecide(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ["execute-api:Invoke"],
      resourceArns: [
        `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.api.apiId}/*/*/api/*`,
      ],
    });
    if (grantee instanceof Construct) {
      const api = Stack.of(this.api).getLogicalId(this.api.node.defaultChild as CfnElement);
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${api}>/*/*/api/*]`,
        reason:
          "vigil's approvals API: any stage and method of its /api/ routes (list, show, approve, deny); who may approve which playbook is checked by the function against the config.",
      });
    }
    return grant;
  }
}
