import * as Event from "@app/core/event";
import * as Maintenance from "@app/core/maintenance";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { sqsBatch } from "./sqs.ts";
import { subscribers } from "./subscribers.ts";

/** On a schedule: resolve verifications whose job was lost (a run over every shard, in pages). */
export const sweep = () => Maintenance.start("sweep");

/** On a schedule: re-check active connections whose last verification is old, at a steady rate. */
export const reverify = () => Maintenance.start("reverify");

/** Once a period: queue every auto-sync's job, at a steady rate, so that drift and lost triggers are healed. */
export const reconcile = () => Maintenance.start("reconcile");

/**
 * On a slow schedule: the events the stream did not relay (functions/stream.ts does it within
 * seconds), handed to the same subscribers.
 */
export const relayWebhooks = () => Event.sweep(subscribers);

const tasks = { sweep, reverify, reconcile, "relay-webhooks": relayWebhooks };

/** Subscribed to the maintenance queue: one page of a run per message. */
export const pages = sqsBatch(Maintenance.run);

/** The deployed entry point: one bundle; a schedule says which task, the queue brings pages. */
export const handler = (event: { task?: keyof typeof tasks } | SQSEvent, context: Context) =>
  "Records" in event
    ? (pages(event, context) as Promise<SQSBatchResponse>)
    : tasks[(event as { task?: keyof typeof tasks }).task ?? "sweep"]();
