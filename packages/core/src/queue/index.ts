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

/** How a message came in: its receive count (1 the first time) and its handle for retryAfter. */
export type Delivery = { attempt: number; receiptHandle: string };

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
