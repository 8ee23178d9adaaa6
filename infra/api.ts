import { code } from "./bundle";
import { cursorKey } from "./cursor";
import { credentialsKey, decryptFor, describe, encryptFor } from "./key";
import { jobQueue, sendWebhookJobs, verifyQueue, webhookQueue } from "./queue";
import { table } from "./table";

export const api = new sst.aws.Function("Api", {
  ...code("api"),
  description: "Railway App Connections: HTTP API",
  memory: "1024 MB",
  timeout: "30 seconds",
  // The app authenticates every /api request with its own API keys.
  url: { authorization: "none", cors: false },
  link: [table, verifyQueue, webhookQueue, credentialsKey, cursorKey],
  permissions: [
    // Queues jobs; GetQueueAttributes is the health check's probe.
    { actions: ["sqs:SendMessage", "sqs:GetQueueAttributes"], resources: [jobQueue.arn] },
    // Seals tokens for the queue, which only the worker may open. It may open a stored, verified
    // credential: GET /:connectionId/projects asks Railway with it while the caller waits.
    encryptFor("verification-job"),
    decryptFor("app-connection-credentials"),
    // Seals the signing secrets of webhook endpoints it creates or rotates; only delivery opens them.
    encryptFor("webhook-secret"),
    // Queues a past delivery's event again (POST /webhooks/:id/deliveries/:deliveryId/redeliver).
    sendWebhookJobs(),
    describe(),
  ],
});
