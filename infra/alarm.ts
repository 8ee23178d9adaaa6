import { deadLetterQueue, maintenanceDeadLetterQueue } from "./queue";

/** Where alarms go. Subscribe to it, or set ALERT_EMAIL when deploying. */
export const alerts = new sst.aws.SnsTopic("Alerts");

if (process.env.ALERT_EMAIL) {
  new aws.sns.TopicSubscription("AlertsEmail", {
    topic: alerts.arn,
    protocol: "email",
    endpoint: process.env.ALERT_EMAIL,
  });
}

/**
 * Jobs waiting in the dead-letter queue: its worker has not (yet) failed their connections.
 * SQS reports queue depth once a minute, so this sees messages that stay, not ones drained at once.
 */
export const deadLetterAlarm = new aws.cloudwatch.MetricAlarm("VerifyDeadLettersAlarm", {
  alarmDescription: "Verification jobs are waiting in the dead-letter queue",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: deadLetterQueue.nodes.queue.name },
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
  okActions: [alerts.arn],
});

/** A maintenance page that kept failing: some shard's run stopped there, so something due was skipped. */
export const maintenanceDeadLetterAlarm = new aws.cloudwatch.MetricAlarm("MaintenanceDeadLettersAlarm", {
  alarmDescription: "Maintenance pages are waiting in the dead-letter queue: a run did not finish",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: maintenanceDeadLetterQueue.nodes.queue.name },
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alerts.arn],
  okActions: [alerts.arn],
});
