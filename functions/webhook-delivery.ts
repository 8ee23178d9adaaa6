import * as WebhookDelivery from "@app/core/webhook/delivery";
import { sqsBatch } from "./sqs.ts";

/** Subscribed to the webhook delivery queue. */
export const handler = sqsBatch(WebhookDelivery.deliver);
