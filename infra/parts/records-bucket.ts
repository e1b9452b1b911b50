import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";

/**
 * The records bucket (construct id `RecordsBucket`): where the export function writes the ledger,
 * under S3 Object Lock in COMPLIANCE mode for `retentionDays` — nobody, the root user included, can
 * delete or overwrite an exported version before then. Versioned (Object Lock requires it), encrypted
 * with `key`, private, TLS-only, kept when the stack goes, server access logs into `accessLogs`.
 * Current versions never expire: the export reads its cursor from the keys.
 */
export function recordsBucket(
  scope: Construct,
  options: { key: kms.IKey; retentionDays: number; accessLogs: s3.IBucket },
): s3.Bucket {
  return new s3.Bucket(scope, "RecordsBucket", {
    objectLockEnabled: true,
    objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(options.retentionDays)),
    versioned: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: options.accessLogs,
    serverAccessLogsPrefix: "records-bucket/",
    lifecycleRules: [
      {
        abortIncompleteMultipartUploadAfter: Duration.days(1),
        transitions: [
          { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
        ],
      },
    ],
  });
}

/**
 * The bucket receiving the server access logs of vigil's buckets (construct id `AccessLogsBucket`):
 * S3-managed encryption (log delivery cannot use a KMS key), private, TLS-only, logs kept
 * `retentionDays`.
 */
export function accessLogsBucket(scope: Construct, retentionDays: number): s3.Bucket {
  return new s3.Bucket(scope, "AccessLogsBucket", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
  });
}
