import * as Maintenance from "@app/core/maintenance";
import * as Sync from "@app/core/sync";
import * as Outbox from "@app/core/webhook/outbox";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { sqsBatch } from "./sqs.ts";

/** On a schedule: resolve verifications whose job was lost (a run over every shard, in pages). */
export const sweep = () => Maintenance.start("sweep");

/** On a schedule: re-check active connections whose last verification is old, at a steady rate. */
export const reverify = () => Maintenance.start("reverify");

/**
 * On a slow schedule: what the stream did not relay (functions/stream.ts does it within
 * seconds): webhook events, and the syncs of a secret's change, each folder's read once a run.
 */
export const relayWebhooks = () => {
  const folders = new Map<string, Promise<number>>();
  return Outbox.relay(undefined, undefined, (event) => Sync.onEvent(event, folders));
};

const tasks = { sweep, reverify, "relay-webhooks": relayWebhooks };

/** Subscribed to the maintenance queue: one page of a run per message. */
export const pages = sqsBatch(Maintenance.run);

/** The deployed entry point: one bundle; a schedule says which task, the queue brings pages. */
export const handler = (event: { task?: keyof typeof tasks } | SQSEvent, context: Context) =>
  "Records" in event
    ? (pages(event, context) as Promise<SQSBatchResponse>)
    : tasks[(event as { task?: keyof typeof tasks }).task ?? "sweep"]();
