import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as cloudtrail from "aws-cdk-lib/aws-cloudtrail";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";

/**
 * A multi-Region trail of all management events (construct id `Trail`, file validation on) into a
 * private, TLS-only, versioned bucket (construct id `TrailBucket`) whose files expire after
 * `retention` days. Returns the bucket.
 */
export function vigilTrail(scope: Construct, retention: logs.RetentionDays): s3.Bucket {
  const bucket = new s3.Bucket(scope, "TrailBucket", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { expiration: Duration.days(retention), noncurrentVersionExpiration: Duration.days(30) },
    ],
  });
  new cloudtrail.Trail(scope, "Trail", {
    bucket,
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableFileValidation: true,
    managementEvents: cloudtrail.ReadWriteType.ALL,
  });
  return bucket;
}
