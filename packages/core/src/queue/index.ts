import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Resource } from "../resource/index.ts";

export const client = new SQSClient({});

export const url = () => Resource.VerifyQueue.url;

export const ping = () => client.send(new GetQueueAttributesCommand({ QueueUrl: url(), AttributeNames: ["QueueArn"] }));

export async function send(body: unknown, delaySeconds = 0, queueUrl = url()) {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(body),
      DelaySeconds: Math.min(delaySeconds, 900),
    }),
  );
}

/** Hands a message back to the queue to be received again after `seconds` (max 12 h). */
export async function retryAfter(receiptHandle: string, seconds: number, queueUrl = url()) {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.min(Math.max(0, Math.ceil(seconds)), 43_200),
    }),
  );
}
