import * as Layout from "../packages/core/src/layout/index.ts";
import { code } from "./bundle";
import { decryptFor } from "./key";
import { webhookJobQueue, webhookQueue } from "./queue";
import { table } from "./table";

/**
 * Delivers signed webhook events (functions/webhook-delivery.ts). It opens endpoints' signing
 * secrets and nothing else; SST's subscription grants ChangeMessageVisibility, which its retry
 * schedule uses. It calls customers' endpoints on the internet: no VPC.
 */
export const webhookWorker = webhookJobQueue.subscribe(
  {
    ...code("webhook-delivery"),
    description: "Railway App Connections: delivers webhook events",
    memory: "256 MB",
    timeout: `${Layout.queues.webhook.workerTimeoutSeconds} seconds`,
    link: [table, webhookQueue],
    permissions: [decryptFor("webhook-secret")],
  },
  { batch: { size: 10, partialResponses: true } },
);
