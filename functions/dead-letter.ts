import * as Verification from "@app/core/verification";
import { sqsBatch } from "./sqs.ts";

/** Subscribed to the verification dead-letter queue. */
export const handler = sqsBatch((body) => Verification.abandon(body));
