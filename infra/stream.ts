import * as Layout from "../packages/core/src/layout/index.ts";
import { code } from "./bundle";
import { sendWebhookJobs, webhookQueue } from "./queue";
import { sendSyncJobs, syncQueue } from "./syncs";
import { table } from "./table";

/**
 * The table's stream feeds the event relay (functions/stream.ts): each committed event is handed
 * to its subscribers (webhook fan-out, the secret-sync trigger) within seconds, outside the
 * request or job that wrote it. The filter passes only inserts of outbox events, so the function
 * is not invoked for every other write. Partial batch responses retry from the first failed
 * record; after three attempts the record is dropped, and the safety sweep (infra/maintenance.ts)
 * relays its event, still in the outbox, to the subscribers that have not succeeded.
 */
export const streamRelay = table.subscribe(
  "StreamRelay",
  {
    ...code("stream"),
    description: "Railway App Connections: hands events from the table's stream to their subscribers",
    memory: "256 MB",
    timeout: "30 seconds",
    link: [table, webhookQueue, syncQueue],
    // What the subscribers queue (functions/subscribers.ts): webhook deliveries, and the sync
    // jobs a secret's change asks for. The outbox's sweep (infra/maintenance.ts) gets the same.
    permissions: [sendWebhookJobs(), sendSyncJobs()],
  },
  {
    filters: [Layout.streamFilter],
    transform: {
      eventSourceMapping: (args) => {
        args.functionResponseTypes = ["ReportBatchItemFailures"];
        // A batch reads each org's endpoints and queues each folder's syncs once: a 1,000-secret
        // import into a watched folder asks for 10 syncs, not 100. Never a wait for a batch to fill.
        args.batchSize = 100;
        args.maximumBatchingWindowInSeconds = 0;
        args.maximumRetryAttempts = 3;
        args.bisectBatchOnFunctionError = false;
        // Events are independent of each other: up to 10 batches of a shard at once.
        args.parallelizationFactor = 10;
      },
    },
  },
);
