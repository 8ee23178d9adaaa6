import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type * as z from "zod/mini";
import { log } from "../log/index.ts";
import { Resource } from "../resource/index.ts";

export const client = new SQSClient({});

/** The queues, each named where a message is sent. */
export const verification = () => Resource.VerifyQueue.url;
export const webhooks = () => Resource.WebhookQueue.url;
export const syncs = () => Resource.SyncQueue.url;
export const maintenance = () => Resource.MaintenanceQueue.url;

/**
 * How a message came in: its attempt (1 the first time: the receive count, plus the attempts a
 * held job had spent before it was sent again), its handle for retryAfter, and since when (ms
 * since the epoch) the job has been held for Railway's rate limit, if it was.
 */
export type Delivery = { attempt: number; receiptHandle: string; heldSince?: number };

/** The message attributes a held job is sent again with (see `hold`). */
export const held = { attempts: "attemptsSpent", since: "heldSince" } as const;

/** A delivery from an SQS record's receive count and the attributes `hold` sets. */
export function delivery(
  receiveCount: number,
  receiptHandle: string,
  attributes: Record<string, { stringValue?: string } | undefined> = {},
): Delivery {
  const spent = Number(attributes[held.attempts]?.stringValue);
  const since = Number(attributes[held.since]?.stringValue);
  return {
    attempt: (Number.isInteger(spent) && spent > 0 ? spent : 0) + (receiveCount || 1),
    receiptHandle,
    ...(Number.isFinite(since) && since > 0 ? { heldSince: since } : {}),
  };
}

/** A message body as the job `schema` says, or undefined (logged, never retried) if it is not one. */
export function parse<T>(schema: z.ZodMiniType<T>, body: string, what: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {}
  const parsed = schema.safeParse(json);
  if (!parsed.success) log.error(`dropping malformed ${what} job`, { issues: parsed.error.issues.length });
  return parsed.data;
}

/** The health check's probe, on the verification queue. */
export const ping = () =>
  client.send(new GetQueueAttributesCommand({ QueueUrl: verification(), AttributeNames: ["QueueArn"] }));

export async function send(queueUrl: string, body: unknown, delaySeconds = 0) {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(body),
      DelaySeconds: Math.min(delaySeconds, 900),
    }),
  );
}

/**
 * Sends a held job again as a new message, delayed by `seconds` (at most SQS's 15 minutes), that
 * carries the attempts this one had spent (all but this delivery, which the hold does not count)
 * and since when it is held. The caller then lets this delivery succeed, which deletes it.
 */
export async function hold(queueUrl: string, body: unknown, from: Delivery, seconds: number, now = Date.now()) {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(body),
      DelaySeconds: Math.min(Math.max(0, Math.ceil(seconds)), 900),
      MessageAttributes: {
        [held.attempts]: { DataType: "Number", StringValue: String(from.attempt - 1) },
        [held.since]: { DataType: "Number", StringValue: String(from.heldSince ?? now) },
      },
    }),
  );
}

/** Hands a message back to the queue to be received again after `seconds` (max 12 h). */
export async function retryAfter(queueUrl: string, receiptHandle: string, seconds: number) {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.min(Math.max(0, Math.ceil(seconds)), 43_200),
    }),
  );
}
