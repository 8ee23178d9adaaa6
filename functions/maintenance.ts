import * as Verification from "@app/core/verification";
import * as Outbox from "@app/core/webhook/outbox";

/** On a schedule: resolve verifications whose job was lost. */
export const sweep = () => Verification.sweepStale();

/** On a schedule: re-check active connections whose last verification is old. */
export const reverify = () => Verification.reverifyDue();

/** On a slow schedule: queue webhook events the stream did not relay (functions/stream.ts does it within seconds). */
export const relayWebhooks = () => Outbox.relay();

const tasks = { sweep, reverify, "relay-webhooks": relayWebhooks };

/** The deployed entry point: one bundle, the schedule says which task (infra/maintenance.ts). */
export const handler = (event: { task?: keyof typeof tasks }) => tasks[event.task ?? "sweep"]();
