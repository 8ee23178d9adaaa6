/** How webhooks are stored: endpoints and delivery records (events are ../event's). Internal to the webhook concept. */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import * as Dynamo from "../dynamo/index.ts";
import type * as Event from "../event/index.ts";
import type { Info } from "./index.ts";

/** An endpoint as stored. */
export type Item = Info & {
  pk: string;
  sk: string;
  type: "webhook";
  sealedSecret: Uint8Array;
  previousSealedSecret?: Uint8Array;
};
export type EventItem = Event.Item;

export { table } from "../dynamo/index.ts";
export const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `WEBHOOK#${id}` });
export { key as eventKey } from "../event/index.ts";
export const deliveryPrefix = (endpointId: string) => `DELIVERY#${endpointId}#`;

export const conditionFailed = (err: unknown) => err instanceof ConditionalCheckFailedException;

export async function load(orgId: string, id: string) {
  if (!z.uuid().safeParse(id).success) return undefined;
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: Dynamo.table(), Key: key(orgId, id), ConsistentRead: true }),
  );
  return out.Item as Item | undefined;
}

/** Every endpoint of an org. */
export async function endpoints(orgId: string) {
  const all: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await Dynamo.client.send(
      new QueryCommand({
        TableName: Dynamo.table(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": `ORG#${orgId}`, ":prefix": "WEBHOOK#" },
        ExclusiveStartKey: start,
      }),
    );
    all.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return all;
}
