/** The worker's time limit: a job makes at most four requests to Railway, each cut at 10 s. */
export const workerTimeoutSeconds = 60;

/** Deliveries after which the worker itself gives up on Railway (VERIFY_MAX_ATTEMPTS). */
export const verifyMaxAttempts = 5;

const encrypted = { sqsManagedSseEnabled: true };

/** Jobs that kept failing on our side; their connections are failed by the dead-letter worker. */
export const deadLetterQueue = new sst.aws.Queue("VerifyDeadLetters", {
  transform: { queue: { ...encrypted, messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

export const jobQueue = new sst.aws.Queue("VerifyJobs", {
  // AWS's rule for Lambda consumers: at least six times the function's timeout.
  visibilityTimeout: `${6 * workerTimeoutSeconds} seconds`,
  // Above the worker's own attempts: Railway outages end in the worker's message, not here;
  // only jobs that crash the worker again and again reach the dead-letter queue.
  dlq: { queue: deadLetterQueue.arn, retry: verifyMaxAttempts + 3 },
  transform: { queue: encrypted },
});

/**
 * What the code reads as `Resource.VerifyQueue.url`. A Linkable rather than the queue itself:
 * linking an `sst.aws.Queue` grants `sqs:*` on it, while each function here is granted only the
 * actions it uses.
 */
export const verifyQueue = new sst.Linkable("VerifyQueue", {
  properties: { url: jobQueue.url },
});

/** The webhook delivery worker's time limit: one POST, cut at 10 s, plus its bookkeeping. */
export const webhookWorkerTimeoutSeconds = 30;

/** Webhook deliveries that failed every attempt of the schedule (5 s … 10 h: 7 receives). */
export const webhookDeadLetterQueue = new sst.aws.Queue("WebhookDeadLetters", {
  transform: { queue: { ...encrypted, messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

export const webhookJobQueue = new sst.aws.Queue("WebhookJobs", {
  visibilityTimeout: `${6 * webhookWorkerTimeoutSeconds} seconds`,
  dlq: { queue: webhookDeadLetterQueue.arn, retry: 12 },
  // The retry schedule spans about 18 hours; the default 4 days keeps every message through it.
  transform: { queue: encrypted },
});

/** What the code reads as `Resource.WebhookQueue.url` (a Linkable, for the same reason). */
export const webhookQueue = new sst.Linkable("WebhookQueue", {
  properties: { url: webhookJobQueue.url },
});

/** Every function that changes a connection relays its webhook events right after the commit. */
export const relayWebhooks = () => ({ actions: ["sqs:SendMessage"], resources: [webhookJobQueue.arn] });
