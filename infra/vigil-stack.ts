import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Vigil, type VigilProps } from "./vigil.ts";

/** Props of {@link VigilStack}: the stack's own, plus the Vigil construct's. */
export interface VigilStackProps extends StackProps {
  readonly vigil: VigilProps;
}

/** A stack holding one {@link Vigil} construct with the id `Vigil`: what `npx cdk deploy` deploys. */
export class VigilStack extends Stack {
  readonly vigil: Vigil;

  constructor(scope: Construct, id: string, props: VigilStackProps) {
    super(scope, id, props);
    this.vigil = new Vigil(this, "Vigil", props.vigil);
  }
}
