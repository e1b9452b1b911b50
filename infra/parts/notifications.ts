import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";

/**
 * The topic alarms and findings go to: `existing` when given, else a new one (construct id
 * `Notifications`) encrypted with `key`; every address in `emails` is subscribed.
 */
export function notificationTopic(
  scope: Construct,
  options: { existing?: sns.ITopic; key: kms.IKey; emails: readonly string[] },
): sns.ITopic {
  const topic =
    options.existing ??
    new sns.Topic(scope, "Notifications", {
      displayName: "vigil alarms and findings",
      masterKey: options.key,
      enforceSSL: true,
    });
  for (const email of options.emails) topic.addSubscription(new EmailSubscription(email));
  return topic;
}

/** An alarm (construct id `id`) raised on `topic` as soon as `metric` is above zero in one period. */
export function alarmAboveZero(
  scope: Construct,
  id: string,
  options: { metric: cloudwatch.IMetric; description: string; topic: sns.ITopic },
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: options.metric,
    alarmDescription: options.description,
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(options.topic));
  return alarm;
}
