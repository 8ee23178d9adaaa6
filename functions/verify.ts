import * as Verification from "@app/core/verification";
import { sqsBatch } from "./sqs.ts";

/** Subscribed to the verification queue. */
export const handler = sqsBatch(Verification.run);
