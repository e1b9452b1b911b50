import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import {
  quarantineDocument,
  revocationCutoff,
  revocationDocument,
  sameDocument,
} from "../../../shared/domain/playbooks/deny-policies.ts";

const ROLE = "arn:aws:iam::111122223333:role/app";
const ADMIN = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const CUTOFF = "2026-03-10T12:00:00.000Z";

/** Evaluates one request of a session of ROLE that holds admin rights plus `deny`. */
function evaluate(deny: string | undefined, action: string, resource: string, issued?: string) {
  return runUnsafeSimulation(
    {
      request: {
        principal: `arn:aws:sts::111122223333:assumed-role/app/session`,
        action,
        resource: { resource, accountId: "111122223333" },
        contextVariables: {
          "aws:PrincipalArn": ROLE,
          "aws:CurrentTime": "2026-03-10T13:00:00Z",
          ...(issued === undefined ? {} : { "aws:TokenIssueTime": issued }),
        },
      },
      identityPolicies: [
        { name: "admin", policy: ADMIN },
        ...(deny === undefined ? [] : [{ name: "vigil", policy: JSON.parse(deny) }]),
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
}

const ACTIONS: Array<[string, string]> = [
  ["s3:GetObject", "arn:aws:s3:::orders/invoice.pdf"],
  ["iam:CreateAccessKey", "arn:aws:iam::111122223333:user/alice"],
  ["iam:PutRolePolicy", ROLE],
  ["sts:AssumeRole", "arn:aws:iam::111122223333:role/other"],
  [
    "secretsmanager:GetSecretValue",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/orders-db-AbCdEf",
  ],
  ["ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*"],
  ["dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/orders"],
  ["lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:orders"],
];

describe("the quarantine policy", () => {
  it("denies every action to a principal that is otherwise allowed everything", () => {
    for (const [action, resource] of ACTIONS) {
      expect(evaluate(undefined, action, resource), action).toBe("Allowed");
      expect(evaluate(quarantineDocument(), action, resource), action).toBe("ExplicitlyDenied");
    }
  });
});

describe("the revocation policy", () => {
  it("denies every action to sessions issued before the cutoff", () => {
    for (const [action, resource] of ACTIONS) {
      expect(evaluate(revocationDocument(CUTOFF), action, resource, "2026-03-10T11:59:59Z"), action).toBe(
        "ExplicitlyDenied",
      );
    }
  });

  it("leaves sessions issued at or after the cutoff allowed", () => {
    for (const [action, resource] of ACTIONS) {
      expect(evaluate(revocationDocument(CUTOFF), action, resource, "2026-03-10T12:00:01Z"), action).toBe(
        "Allowed",
      );
      expect(evaluate(revocationDocument(CUTOFF), action, resource, CUTOFF), action).toBe("Allowed");
    }
  });

  it("is recognised again with its cutoff, and nothing else is", () => {
    expect(revocationCutoff(revocationDocument(CUTOFF))).toBe(Date.parse(CUTOFF));
    expect(revocationCutoff(quarantineDocument())).toBeUndefined();
    expect(revocationCutoff(undefined)).toBeUndefined();
    const widened = revocationDocument(CUTOFF).replace('"Action":"*"', '"Action":"s3:*"');
    expect(revocationCutoff(widened)).toBeUndefined();
    expect(sameDocument(JSON.stringify({ b: 1, a: [2] }), '{ "a": [2], "b": 1 }')).toBe(true);
  });
});
