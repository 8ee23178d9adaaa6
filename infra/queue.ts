import * as Layout from "../packages/core/src/layout/index.ts";

const encrypted = { sqsManagedSseEnabled: true };

/** A job queue and its dead-letter queue, as packages/core/src/layout describes them. */
export function withDeadLetters(name: string, deadLetterName: string, layout: Layout.Queue) {
  const deadLetters = new sst.aws.Queue(deadLetterName, {
    transform: { queue: { ...encrypted, messageRetentionSeconds: Layout.deadLetterRetentionSeconds } },
  });
  const jobs = new sst.aws.Queue(name, {
    visibilityTimeout: `${layout.visibilityTimeoutSeconds} seconds`,
    dlq: { queue: deadLetters.arn, retry: layout.deadLetterAfter },
    // The default retention (4 days) keeps every message through its retry schedule.
    transform: { queue: encrypted },
  });
  return { jobs, deadLetters };
}

/** Verification jobs; those that kept failing on our side are failed by the dead-letter worker. */
const verify = withDeadLetters("VerifyJobs", "VerifyDeadLetters", Layout.queues.verify);
export const jobQueue = verify.jobs;
export const deadLetterQueue = verify.deadLetters;

/**
 * What the code reads as `Resource.VerifyQueue.url`. A Linkable rather than the queue itself:
 * linking an `sst.aws.Queue` grants `sqs:*` on it, while each function here is granted only the
 * actions it uses.
 */
export const verifyQueue = new sst.Linkable("VerifyQueue", {
  properties: { url: jobQueue.url },
});

/** Webhook deliveries; the dead-letter queue keeps those that failed every attempt. */
const webhook = withDeadLetters("WebhookJobs", "WebhookDeadLetters", Layout.queues.webhook);
export const webhookJobQueue = webhook.jobs;
export const webhookDeadLetterQueue = webhook.deadLetters;

/** What the code reads as `Resource.WebhookQueue.url` (a Linkable, for the same reason). */
export const webhookQueue = new sst.Linkable("WebhookQueue", {
  properties: { url: webhookJobQueue.url },
});

/**
 * For the functions that queue deliveries: the event relays (the table's stream, the outbox's
 * sweep) and the API (a redelivery). A function that only writes events needs none of it: the
 * stream relays what it commits.
 */
export const sendWebhookJobs = () => ({ actions: ["sqs:SendMessage"], resources: [webhookJobQueue.arn] });

/** Maintenance pages (packages/core/src/maintenance): a scheduled run fans out through it. */
const maintenance = withDeadLetters("MaintenancePages", "MaintenanceDeadLetters", Layout.queues.maintenance);
export const maintenancePageQueue = maintenance.jobs;
export const maintenanceDeadLetterQueue = maintenance.deadLetters;

/** What the code reads as `Resource.MaintenanceQueue.url` (a Linkable, for the same reason). */
export const maintenanceQueue = new sst.Linkable("MaintenanceQueue", {
  properties: { url: maintenancePageQueue.url },
});
