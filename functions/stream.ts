import * as Sync from "@app/core/sync";
import * as Outbox from "@app/core/webhook/outbox";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";

/**
 * What a stream record is, and what to do with it. The event source mapping only passes inserts
 * of outbox events (infra/stream.ts): each is relayed to its webhooks, and a secret's change
 * queues the syncs that watch its folder. Both are idempotent, so a retried record is harmless.
 */
function router() {
  const subscribers = Outbox.endpointsOnce();
  const folders = new Map<string, Promise<number>>();
  return async (record: DynamoDBRecord) => {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== "INSERT" || !image) return;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (Outbox.isEvent(item))
      await Promise.all([Outbox.relayInserted([item], subscribers), Sync.onEvent(item, folders)]);
  };
}

/**
 * Subscribed to the table's stream. A record that throws is reported by its sequence number
 * (partial batch response), so that Lambda retries from it; what the retries cannot relay the
 * safety sweep (functions/maintenance.ts) queues later. Within a batch, an org's endpoints and
 * a folder's syncs are read once.
 */
export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
  processPartialResponse(event, router(), new BatchProcessor(EventType.DynamoDBStreams), {
    context,
    throwOnFullBatchFailure: false,
  });
