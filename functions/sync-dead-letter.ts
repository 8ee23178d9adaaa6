import * as Sync from "@app/core/sync";
import { sqsBatch } from "./sqs.ts";

/** Subscribed to the secret sync dead-letter queue: the sync says it failed instead of staying pending. */
export const handler = sqsBatch((body) => Sync.abandon(body));
