/**
 * Webhooks as an event subscriber: each event queued as one delivery job per enabled endpoint
 * subscribed to its type, and the body those deliveries post. Its own module, so that the
 * functions that only write events carry neither the endpoints' verbs nor their schemas.
 */
import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import * as Event from "../../event/index.ts";
import * as Queue from "../../queue/index.ts";
import { endpoints, type Item } from "../store.ts";

/** What the delivery queue carries: ids only, never the secret or the payload. */
export const Job = z.object({ orgId: z.string(), endpointId: z.uuid(), eventId: z.string(), jobId: z.uuid() });
export type Job = z.infer<typeof Job>;

/** The webhook body: `{ type, timestamp, data }`, the same bytes on every attempt. */
export const bodyOf = (event: Event.Item) =>
  event.payload ?? JSON.stringify({ type: event.eventType, timestamp: event.createdAt, data: Event.payload(event) });

/**
 * Queues the deliveries of an event. Within a batch, each org's endpoints are read once however
 * many of its events the batch carries (the delivery checks again that the endpoint is enabled).
 */
export const fanOut: Event.Subscriber = {
  name: "webhooks",
  batch() {
    const read = new Map<string, Promise<Item[]>>();
    return async (event) => {
      if (!read.has(event.orgId)) read.set(event.orgId, endpoints(event.orgId));
      const targets = ((await read.get(event.orgId)) ?? []).filter(
        (e) => e.enabled && e.eventTypes.includes(event.eventType),
      );
      if (targets.length === 0) return undefined;
      return () =>
        Promise.all(
          targets.map((target) =>
            Queue.send(Queue.webhooks(), {
              orgId: event.orgId,
              endpointId: target.id,
              eventId: event.id,
              jobId: randomUUID(),
            } satisfies Job),
          ),
        );
    };
  },
};
