import { describeSource } from "../../config/sources.ts";
import type { Factor, ScoreFacts } from "../factor.ts";

/** How reachable the credential's user is: the open internet scores highest, AWS-internal paths lowest. */
export function reachability(facts: ScoreFacts): Factor {
  const { source, network } = facts;
  const where = describeSource(source);
  if (source.vpcEndpointId !== undefined) {
    return {
      name: "reachability",
      points: 3,
      reason: `called through VPC endpoint ${source.vpcEndpointId} (${where})`,
    };
  }
  if (source.kind === "aws-service" || source.kind === "aws-internal") {
    return { name: "reachability", points: 0, reason: `called by ${where} on the principal's behalf` };
  }
  if (source.kind !== "ip") return { name: "reachability", points: 4, reason: "source not recorded" };
  if (network === "public") {
    return {
      name: "reachability",
      points: 12,
      reason: `${source.ip} is on the public internet, outside AWS`,
    };
  }
  if (network === "aws") return { name: "reachability", points: 6, reason: `${source.ip} is an AWS address` };
  if (network === "private")
    return { name: "reachability", points: 3, reason: `${source.ip} is a private address` };
  return { name: "reachability", points: 8, reason: `${source.ip}: network unknown` };
}
