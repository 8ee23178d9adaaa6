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
 * Messages waiting in a dead-letter queue: its worker has not (yet) dealt with them. SQS reports
 * queue depth once a minute, so this sees messages that stay, not ones drained at once.
 */
export const deadLettersAlarm = (name: string, queue: sst.aws.Queue, description: string) =>
  new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });

/** Verification jobs whose connections the dead-letter worker has not (yet) failed. */
export const deadLetterAlarm = deadLettersAlarm(
  "VerifyDeadLettersAlarm",
  deadLetterQueue,
  "Verification jobs are waiting in the dead-letter queue",
);

/** A maintenance page that kept failing: some shard's run stopped there, so something due was skipped. */
export const maintenanceDeadLetterAlarm = deadLettersAlarm(
  "MaintenanceDeadLettersAlarm",
  maintenanceDeadLetterQueue,
  "Maintenance pages are waiting in the dead-letter queue: a run did not finish",
);
