import * as Policy from "../packages/core/src/policy/index.ts";
import { code } from "./bundle";
import { credentialsKey, decryptFor, encryptFor } from "./key";
import { deadLetterQueue, jobQueue, verifyQueue } from "./queue";
import { table } from "./table";

/**
 * Verifies queued tokens with Railway. SST's subscription grants receive, delete and
 * ChangeMessageVisibility on the job queue (the worker's own backoff uses the last one); it
 * sends to its own queue a job held for Railway's rate limit (a new message, its attempts kept).
 */
export const worker = jobQueue.subscribe(
  {
    ...code("verify"),
    description: "Railway App Connections: verifies queued tokens",
    memory: "512 MB",
    timeout: `${Policy.workerTimeoutSeconds} seconds`,
    environment: { VERIFY_MAX_ATTEMPTS: String(Policy.maxAttempts) },
    link: [table, verifyQueue, credentialsKey],
    permissions: [
      { actions: ["sqs:SendMessage"], resources: [jobQueue.arn] },
      // Opens the job's token (or a stored one, to verify it again), and seals it at rest.
      decryptFor("verification-job", "app-connection-credentials"),
      encryptFor("app-connection-credentials"),
    ],
  },
  // No batching window: someone is polling for the result.
  { batch: { size: 10, partialResponses: true } },
);

/** Fails the connection of a job that reached the dead-letter queue. */
export const deadLetterWorker = deadLetterQueue.subscribe(
  {
    ...code("dead-letter"),
    description: "Railway App Connections: fails connections of dead-lettered jobs",
    memory: "256 MB",
    timeout: "30 seconds",
    link: [table],
  },
  { batch: { size: 10, partialResponses: true } },
);
