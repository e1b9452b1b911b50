import { describeSource } from "../config/sources.ts";
import { show } from "../errors.ts";
import { describeCredential } from "./describe.ts";
import type { Detection } from "./detection.ts";

/**
 * `unexpected-source`: the credential's profile lists the networks, VPC endpoints and AWS services it
 * is used from, and this call came from somewhere else. Calls whose origin CloudTrail does not show
 * (`AWS Internal`, no source) are left alone: there is nothing to compare.
 */
export const unexpectedSource: Detection = {
  id: "unexpected-source",
  title: "Used from a source its profile does not list",
  weight: 20,
  attack: ["T1078.004"],
  evaluate(use, ctx) {
    const profile = ctx.profile;
    if (profile?.sources === undefined) return undefined;
    if (use.source.kind === "aws-internal" || use.source.kind === "unknown") return undefined;
    if (profile.sources.includes(use.source)) return undefined;
    const declared = profile.sourceTexts.length === 0 ? "none" : profile.sourceTexts.join(", ");
    return {
      id: "unexpected-source",
      reason: `${describeCredential(use)} used from ${describeSource(use.source)}, not among the sources declared by profile ${show(profile.id)} (${declared})`,
    };
  },
};
