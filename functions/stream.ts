import * as Event from "@app/core/event";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { subscribers } from "./subscribers.ts";

/**
 * What a stream record is, and what to do with it. The event source mapping only passes inserts
 * of outbox events (infra/stream.ts): each is handed to every subscriber (subscribers.ts).
 */
function router() {
  const relay = Event.relay(subscribers);
  return async (record: DynamoDBRecord) => {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== "INSERT" || !image) return;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (Event.isEvent(item)) await relay(item);
  };
}

/**
 * Subscribed to the table's stream. A record that throws (a subscriber failed) is reported by its
 * sequence number (partial batch response), so that Lambda retries from it; its event stays in
 * the outbox, and what the retries cannot relay the safety sweep (functions/maintenance.ts) does
 * later. Within a batch, an org's endpoints and a folder's syncs are read once.
 */
export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
  processPartialResponse(event, router(), new BatchProcessor(EventType.DynamoDBStreams), {
    context,
    throwOnFullBatchFailure: false,
  });
