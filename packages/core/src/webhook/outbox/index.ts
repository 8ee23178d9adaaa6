/**
 * The webhook outbox: an event is written in the same transaction as the state change that
 * causes it, and relayed as one delivery job per subscribed endpoint. Its own module, so that
 * the functions that only write events do not carry the endpoints' verbs and schemas.
 */
import { randomUUID } from "node:crypto";
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import type * as Connection from "../../connection/index.ts";
import * as Dynamo from "../../dynamo/index.ts";
import * as Layout from "../../layout/index.ts";
import * as Queue from "../../queue/index.ts";
import { conditionFailed, type EventItem, endpoints, eventKey, type Item, table } from "../store.ts";

export const EventType = z.enum([
  "app-connection.created",
  "app-connection.verified",
  "app-connection.failed",
  "app-connection.updated",
  "app-connection.credentials-rotated",
  "app-connection.deleted",
  "app-connection.revoked",
  "secret-sync.succeeded",
  "secret-sync.failed",
  "secret.created",
  "secret.updated",
  "secret.deleted",
]);
export type EventType = z.infer<typeof EventType>;

/** What the delivery queue carries: ids only, never the secret or the payload. */
export const Job = z.object({
  orgId: z.string(),
  endpointId: z.uuid(),
  eventId: z.string(),
  jobId: z.uuid(),
});
export type Job = z.infer<typeof Job>;

/**
 * An event as a write of the transaction that changes the connection: it exists exactly when
 * that change commits. The table's stream relays it; it waits on the maintenance index until
 * it is queued, for the safety sweep should its stream record be lost.
 */
export const outbox = (orgId: string, type: EventType, connection: Connection.Info) =>
  event(orgId, type, { appConnection: connection });

/** The same for any event: `data` is its payload's data (never a secret). */
export function event(orgId: string, type: EventType, data: Record<string, unknown>) {
  const id = `evt_${randomUUID()}`;
  const createdAt = new Date().toISOString();
  const payload = JSON.stringify({ type, timestamp: createdAt, data });
  const item: EventItem = {
    ...eventKey(orgId, id),
    type: "webhook-event",
    id,
    orgId,
    eventType: type,
    payload,
    createdAt,
    expiresAt: Math.floor(Date.now() / 1000) + 30 * 86_400,
    gsi2pk: Layout.maintenanceKey("OUTBOX", id),
    gsi2sk: `${createdAt}#${id}`,
  };
  return { Put: { TableName: table(), Item: item } };
}

export const isEvent = (item: unknown): item is EventItem => (item as EventItem | undefined)?.type === "webhook-event";

/**
 * Events as the table's stream reports their insert (functions/stream.ts): queued within a
 * second of the commit, outside the request or job that wrote them. Throws if any failed, after
 * trying all, so that the stream delivers the batch's failed records again.
 */
export async function relayInserted(events: readonly EventItem[], subscribers = endpointsOnce()) {
  const failed = (await Promise.allSettled(events.map((e) => dispatch(e, subscribers)))).filter(
    (r) => r.status === "rejected",
  );
  if (failed.length > 0) throw (failed[0] as PromiseRejectedResult).reason;
}

/**
 * The safety sweep: events still in the outbox `Layout.outboxSweep.afterMinutes` after they were
 * written, which a lost stream record or a relay that died left behind, up to `limit` per shard.
 * `also` runs first for each (the sync trigger): if it throws, the event stays for the next run.
 * Returns how many it queued.
 */
export async function relay(
  limit = 100,
  before = new Date(Date.now() - Layout.outboxSweep.afterMinutes * 60_000),
  also?: (event: EventItem) => Promise<unknown>,
) {
  const subscribers = endpointsOnce();
  const relayed = await Promise.all(
    Layout.maintenanceKeys("OUTBOX").map(async (pk) => {
      const out = await Dynamo.client.send(
        new QueryCommand({
          TableName: table(),
          IndexName: "gsi2",
          KeyConditionExpression: "gsi2pk = :pk AND gsi2sk < :before",
          ExpressionAttributeValues: { ":pk": pk, ":before": before.toISOString() },
          Limit: limit,
        }),
      );
      let queued = 0;
      for (const item of (out.Items ?? []) as EventItem[]) {
        await also?.(item);
        if (await dispatch(item, subscribers)) queued++;
      }
      return queued;
    }),
  );
  return relayed.reduce((a, b) => a + b, 0);
}

/**
 * Each org's endpoints, read once per relay run however many of its events the run carries
 * (the delivery itself checks again that the endpoint is still enabled).
 */
/** Each org's endpoints read once, however many of its events a relay (or a stream batch) sends. */
export function endpointsOnce() {
  const read = new Map<string, Promise<Item[]>>();
  return (orgId: string) => {
    if (!read.has(orgId)) read.set(orgId, endpoints(orgId));
    return read.get(orgId) as Promise<Item[]>;
  };
}

/**
 * Claims the event (so that two relays do not both queue it), queues one job per subscribed,
 * enabled endpoint, then takes it out of the outbox. A relay that dies after claiming leaves
 * the claim to expire and the next run to queue it. An event nobody subscribes to (most
 * `secret.*` events) is only taken out: one write, not two.
 */
async function dispatch(event: EventItem, subscribers: (orgId: string) => Promise<Item[]>): Promise<boolean> {
  const targets = (await subscribers(event.orgId)).filter((e) => e.enabled && e.eventTypes.includes(event.eventType));
  const now = Date.now();
  const until = now + 60_000;
  const unclaimed = "attribute_exists(gsi2pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)";
  const update = (UpdateExpression: string, ConditionExpression: string, values: Record<string, number>) =>
    Dynamo.client.send(
      new UpdateCommand({
        TableName: table(),
        Key: eventKey(event.orgId, event.id),
        UpdateExpression,
        ConditionExpression,
        ExpressionAttributeValues: values,
      }),
    );
  const taken = (err: unknown) => {
    if (conditionFailed(err)) return false;
    throw err;
  };
  if (!targets.length)
    return update("REMOVE gsi2pk, gsi2sk, claimedUntil", unclaimed, { ":now": now }).then(() => true, taken);
  if (!(await update("SET claimedUntil = :until", unclaimed, { ":until": until, ":now": now }).then(() => true, taken)))
    return false;
  await Promise.all(
    targets.map((target) =>
      Queue.send(Queue.webhooks(), {
        orgId: event.orgId,
        endpointId: target.id,
        eventId: event.id,
        jobId: randomUUID(),
      } satisfies Job),
    ),
  );
  await update("REMOVE gsi2pk, gsi2sk, claimedUntil", "claimedUntil = :until", { ":until": until }).catch(taken);
  return true;
}
