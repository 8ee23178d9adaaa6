import * as Layout from "../packages/core/src/layout/index.ts";
import { deadLettersAlarm } from "./alarm";
import { code } from "./bundle";
import { credentialsKey, decryptFor, generateDataKeyFor } from "./key";
import { jobQueue, verifyQueue, withDeadLetters } from "./queue";
import { table } from "./table";

/** Secret sync jobs (ids only); those that kept failing on our side are failed by their dead-letter worker. */
const sync = withDeadLetters("SyncJobs", "SyncDeadLetters", Layout.queues.sync);
export const syncJobQueue = sync.jobs;
export const syncDeadLetterQueue = sync.deadLetters;

/** What the code reads as `Resource.SyncQueue.url` (a Linkable: linking the queue would grant `sqs:*`). */
export const syncQueue = new sst.Linkable("SyncQueue", { properties: { url: syncJobQueue.url } });

/** For the functions that queue syncs (the secrets Lambda's routes, the stream's trigger): sending only. */
export const sendSyncJobs = () => ({ actions: ["sqs:SendMessage"], resources: [syncJobQueue.arn] });

/**
 * Brings Railway in line with a project's secrets (functions/sync.ts). It opens stored connection
 * credentials and nothing else of the key; SST's subscription grants ChangeMessageVisibility (its
 * backoff). It sends to its own queue (a job deferred while another holds the sync) and to the
 * verification queue (a rejected token is re-verified); its events go out through the stream.
 */
export const syncWorker = syncJobQueue.subscribe(
  {
    ...code("sync"),
    description: "Railway App Connections: syncs secrets to Railway",
    memory: "512 MB",
    timeout: `${Layout.queues.sync.workerTimeoutSeconds} seconds`,
    link: [table, syncQueue, verifyQueue, credentialsKey],
    permissions: [
      sendSyncJobs(),
      { actions: ["sqs:SendMessage"], resources: [jobQueue.arn] },
      // Opens the connection's token, and the secrets' data keys to read the source (an import
      // may create an environment's first data key).
      decryptFor("app-connection-credentials", "secret-data-key"),
      generateDataKeyFor("secret-data-key"),
    ],
  },
  { batch: { size: 10, partialResponses: true } },
);

/** Fails the sync of a job that reached the dead-letter queue. */
export const syncDeadLetterWorker = syncDeadLetterQueue.subscribe(
  {
    ...code("sync-dead-letter"),
    description: "Railway App Connections: fails syncs of dead-lettered jobs",
    memory: "256 MB",
    timeout: "30 seconds",
    link: [table],
  },
  { batch: { size: 10, partialResponses: true } },
);

/** Sync jobs waiting in the dead-letter queue. */
export const syncDeadLetterAlarm = deadLettersAlarm(
  "SyncDeadLettersAlarm",
  syncDeadLetterQueue,
  "Secret sync jobs are waiting in the dead-letter queue",
);
