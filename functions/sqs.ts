import { log } from "@app/core/log";
import * as Queue from "@app/core/queue";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/**
 * An SQS-triggered handler that runs `job` on each record and reports the ones that threw, so
 * that only those are delivered again (partial batch responses). A processor per invocation:
 * it keeps the batch's state, and the local run feeds one process from several pollers at once
 * (Lambda never overlaps invocations in a process).
 */
export const sqsBatch =
  (job: (body: string, delivery: Queue.Delivery) => Promise<unknown>) =>
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const delivery = Queue.delivery(
          Number(record.attributes.ApproximateReceiveCount),
          record.receiptHandle,
          record.messageAttributes,
        );
        const { attempt } = delivery;
        try {
          return await job(record.body, delivery);
        } catch (err) {
          // The error's name only: its message is not ours to vouch for.
          log.warn("job failed; it will be delivered again", {
            messageId: record.messageId,
            attempt,
            error: err instanceof Error ? err.name : "unknown",
          });
          throw err;
        }
      },
      new BatchProcessor(EventType.SQS),
      { context, throwOnFullBatchFailure: false },
    );
