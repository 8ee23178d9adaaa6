import * as Sync from "@app/core/sync";
import { sqsBatch } from "./sqs.ts";

/** Subscribed to the secret sync queue. */
export const handler = sqsBatch(Sync.run);
