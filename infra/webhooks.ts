import { code } from "./bundle";
import { decryptFor } from "./key";
import { webhookJobQueue, webhookQueue, webhookWorkerTimeoutSeconds } from "./queue";
import { table } from "./table";

/**
 * Delivers signed webhook events (functions/webhook-delivery.ts). It opens endpoints' signing
 * secrets and nothing else; SST's subscription grants ChangeMessageVisibility, which its retry
 * schedule uses. It calls customers' endpoints on the internet: no VPC.
 */
export const webhookWorker = webhookJobQueue.subscribe(
  {
    ...code("webhook-delivery"),
    runtime: "nodejs24.x",
    architecture: "arm64",
    description: "Railway App Connections: delivers webhook events",
    memory: "256 MB",
    timeout: `${webhookWorkerTimeoutSeconds} seconds`,
    link: [table, webhookQueue],
    permissions: [decryptFor("webhook-secret")],
  },
  { batch: { size: 10, partialResponses: true } },
);
