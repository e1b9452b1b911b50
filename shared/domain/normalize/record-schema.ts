import { z } from "zod";

/**
 * The parts of a CloudTrail record vigil reads. Only `eventTime`, `eventSource`, `eventName` and
 * `userIdentity` are required: older records lack most of the rest. Unknown fields are ignored.
 */
const optionalString = z.string().optional().catch(undefined);
const looseRecord = z.record(z.string(), z.unknown());

export const userIdentitySchema = z.object(
  {
    type: optionalString,
    principalId: optionalString,
    arn: optionalString,
    accountId: optionalString,
    accessKeyId: optionalString,
    userName: optionalString,
    invokedBy: optionalString,
    sessionContext: z
      .object({
        attributes: z
          .object({
            creationDate: optionalString,
            mfaAuthenticated: z.union([z.string(), z.boolean()]).optional().catch(undefined),
          })
          .optional()
          .catch(undefined),
        sessionIssuer: z
          .object({ type: optionalString, arn: optionalString, userName: optionalString })
          .optional()
          .catch(undefined),
        sourceIdentity: optionalString,
        ec2RoleDelivery: optionalString,
      })
      .optional()
      .catch(undefined),
  },
  { error: "userIdentity is missing or not an object" },
);

export const cloudTrailRecordSchema = z.object({
  eventTime: z.string({ error: "eventTime is missing or not a string" }),
  eventSource: z.string({ error: "eventSource is missing or not a string" }).min(1, "eventSource is empty"),
  eventName: z.string({ error: "eventName is missing or not a string" }).min(1, "eventName is empty"),
  userIdentity: userIdentitySchema,
  eventID: optionalString,
  eventType: optionalString,
  readOnly: z.union([z.boolean(), z.string()]).optional().catch(undefined),
  awsRegion: optionalString,
  recipientAccountId: optionalString,
  sourceIPAddress: optionalString,
  vpcEndpointId: optionalString,
  userAgent: optionalString,
  errorCode: optionalString,
  requestParameters: looseRecord.nullish().catch(undefined),
  responseElements: looseRecord.nullish().catch(undefined),
  additionalEventData: looseRecord.nullish().catch(undefined),
});

export type CloudTrailRecord = z.infer<typeof cloudTrailRecordSchema>;
