import { code } from "./bundle";
import { credentialsKey, decryptFor, encryptFor } from "./key";
import {
  deadLetterQueue,
  jobQueue,
  relayWebhooks,
  verifyMaxAttempts,
  verifyQueue,
  webhookQueue,
  workerTimeoutSeconds,
} from "./queue";
import { table } from "./table";

const node = { runtime: "nodejs24.x", architecture: "arm64" } as const;

/**
 * Verifies queued tokens with Railway. SST's subscription grants receive, delete and
 * ChangeMessageVisibility on the job queue (the worker's own backoff uses the last one).
 */
export const worker = jobQueue.subscribe(
  {
    ...code("verify"),
    ...node,
    description: "Railway App Connections: verifies queued tokens",
    memory: "512 MB",
    timeout: `${workerTimeoutSeconds} seconds`,
    environment: { VERIFY_MAX_ATTEMPTS: String(verifyMaxAttempts) },
    link: [table, verifyQueue, webhookQueue, credentialsKey],
    permissions: [
      relayWebhooks(),
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
    ...node,
    description: "Railway App Connections: fails connections of dead-lettered jobs",
    memory: "256 MB",
    timeout: "30 seconds",
    link: [table, webhookQueue],
    permissions: [relayWebhooks()],
  },
  { batch: { size: 10, partialResponses: true } },
);
