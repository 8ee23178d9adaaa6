import { Verification } from "@app/core/verification";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

const processor = new BatchProcessor(EventType.SQS);

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(
    event,
    (record: SQSRecord) =>
      Verification.run(record.body, {
        attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
        receiptHandle: record.receiptHandle,
      }),
    processor,
    { context, throwOnFullBatchFailure: false },
  );
