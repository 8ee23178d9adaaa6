import { Webhook } from "@app/core/webhook";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/** Subscribed to the webhook delivery queue. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(
    event,
    (record: SQSRecord) =>
      Webhook.deliver(record.body, {
        attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
        receiptHandle: record.receiptHandle,
      }),
    new BatchProcessor(EventType.SQS),
    { context, throwOnFullBatchFailure: false },
  );
