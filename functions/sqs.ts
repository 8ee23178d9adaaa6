import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export type Delivery = { attempt: number; receiptHandle: string };

/**
 * An SQS-triggered handler that runs `job` on each record and reports the ones that threw, so
 * that only those are delivered again (partial batch responses). A processor per invocation:
 * it keeps the batch's state, and the local run feeds one process from several pollers at once
 * (Lambda never overlaps invocations in a process).
 */
export const sqsBatch =
  (job: (body: string, delivery: Delivery) => Promise<unknown>) =>
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(
      event,
      (record: SQSRecord) =>
        job(record.body, {
          attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
          receiptHandle: record.receiptHandle,
        }),
      new BatchProcessor(EventType.SQS),
      { context, throwOnFullBatchFailure: false },
    );
