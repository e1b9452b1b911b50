import { App, type Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { VigilProps } from "../../../infra/vigil.ts";
import { VigilStack } from "../../../infra/vigil-stack.ts";

/** The resources of a synthesized template, by logical id. */
export type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }
>;

/** A synthesized stack: its template for assertions, its raw resources, the app (for cdk-nag reports). */
export interface Synthesized {
  readonly app: App;
  readonly template: Template;
  readonly resources: Resources;
  readonly assemblyDir: string;
}

/** Synthesis bundles the functions with esbuild: a few seconds, more on a loaded machine. */
export const SYNTH_TIMEOUT_MS = 120_000;

/**
 * Builds a stack named `stackName` in a new app with `build`, adds cdk-nag's AwsSolutions pack (an
 * unacknowledged finding throws, as in `npx cdk synth`) and synthesizes it.
 */
export function synthStack(stackName: string, build: (app: App) => Stack): Synthesized {
  const app = new App();
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const json = assembly.getStackByName(stackName).template as { Resources: Resources };
  return {
    app,
    template: Template.fromJSON(json),
    resources: json.Resources,
    assemblyDir: assembly.directory,
  };
}

/** The logical id of the one resource of `type` whose logical id starts with `idPrefix`. */
export function logicalIdOf(resources: Resources, type: string, idPrefix: string): string {
  const id = Object.keys(resources).find((k) => k.startsWith(idPrefix) && resources[k]?.Type === type);
  if (id === undefined) throw new Error(`no ${type} whose logical id starts with ${idPrefix}`);
  return id;
}

/** One statement of an IAM policy, its Action always a list. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}

/** Every statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOf(resources: Resources, rolePrefix: string): Statement[] {
  const role = logicalIdOf(resources, "AWS::IAM::Role", rolePrefix);
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .map((st) => ({
      ...st,
      Action: Array.isArray(st.Action) ? st.Action : [st.Action as unknown as string],
    }));
}

/** Synthesizes the ready app's stack (`VigilStack`) with `vigil` as its props, cdk-nag included. */
export function synthVigil(vigil: VigilProps): Synthesized {
  return synthStack("VigilStack", (app) => new VigilStack(app, "VigilStack", { vigil }));
}
