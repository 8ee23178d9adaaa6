import { Webhook } from "@app/core/webhook";
import { sqsBatch } from "./sqs.ts";

/** Subscribed to the webhook delivery queue. */
export const handler = sqsBatch(Webhook.deliver);
