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
