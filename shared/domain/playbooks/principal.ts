import * as z from "zod";
import type { IamPrincipal } from "../../ports/iam-gateway.ts";

const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(user|role)(\/(?:[^/]+\/)*)?([\w+=,.@-]+)$/;

/** An IAM user or role ARN, split into the parts the steps need. */
export interface ParsedPrincipal extends IamPrincipal {
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  /** The IAM path, "/" when the ARN has none. */
  readonly path: string;
}

/** Splits a user or role ARN; undefined when `arn` is not one (a session ARN, a group, a typo). */
export function parsePrincipalArn(arn: string): ParsedPrincipal | undefined {
  const parts = PRINCIPAL_ARN.exec(arn);
  if (parts === null) return undefined;
  const [, partition = "aws", account = "", kind, path, name = ""] = parts;
  return { arn, partition, account, kind: kind === "user" ? "user" : "role", path: path ?? "/", name };
}

/** A zod schema for a user or role ARN (`kind` narrows it), parsed into a ParsedPrincipal. */
export function principalArn(kind?: "user" | "role") {
  const what = kind === undefined ? "an IAM user or role ARN" : `an IAM ${kind} ARN`;
  return z.string().transform((arn, ctx) => {
    const parsed = parsePrincipalArn(arn);
    if (parsed === undefined || (kind !== undefined && parsed.kind !== kind)) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(arn)} is not ${what}; write it like arn:aws:iam::111122223333:${kind ?? "role"}/name`,
      });
      return z.NEVER;
    }
    return parsed;
  });
}
