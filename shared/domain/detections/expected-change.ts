import type { CredentialUse } from "../event.ts";
import type { DetectionContext } from "./detection.ts";

/**
 * Why a change to resources, roles or code made by this use is ordinary work, or undefined when
 * nothing says so: the identity's profile declares it a deployer, CloudFormation made the call for a
 * stack, or a person made it in the console. Detections of such changes stay quiet for these;
 * dangerous changes (sharing outside the estate, world-open ingress, logging off) never ask.
 */
export function expectedChange(use: CredentialUse, ctx: DetectionContext): string | undefined {
  if (ctx.profile?.deployer === true) return `profile "${ctx.profile.id}" declares a deployer`;
  if (use.source.kind === "aws-service" && use.source.service === "cloudformation.amazonaws.com") {
    return "made by CloudFormation for a stack";
  }
  if (use.fromConsole) return "made in the console";
  return undefined;
}
