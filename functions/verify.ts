import { Verification } from "@app/core/verification";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(
    event,
    (record: SQSRecord) =>
      Verification.run(record.body, {
        attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
        receiptHandle: record.receiptHandle,
      }),
    // A processor per invocation: it keeps the batch's state, and the local run feeds one
    // process from several pollers at once (Lambda never overlaps invocations in a process).
    new BatchProcessor(EventType.SQS),
    { context, throwOnFullBatchFailure: false },
  );
