/**
 * Events: what changed, written in the same transaction as the change (an outbox), then handed
 * by the table's stream (functions/stream.ts) and the safety sweep (functions/maintenance.ts)
 * to every subscriber (functions/subscribers.ts). An event leaves the outbox only once all of
 * them succeeded: a failure leaves it for the stream's retry, and past those for the sweep.
 *
 * Each domain declares its events and their payloads beside itself (connection/events.ts,
 * sync/events.ts, secret/events.ts); this module joins their types with type-only imports, so
 * that it neither imports a domain at run time (no cycle, and no domain's code in a bundle that
 * only writes events) nor needs a payload schema: payloads are written only by this code base.
 */
import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type * as Connection from "../connection/events.ts";
import * as Dynamo from "../dynamo/index.ts";
import * as Layout from "../layout/index.ts";
import { log } from "../log/index.ts";
import type * as Secret from "../secret/events.ts";
import type * as SecretImport from "../secret-import/events.ts";
import type * as Sync from "../sync/events.ts";

/** Every event type and its payload. */
export type Payloads = Connection.Payloads & Sync.Payloads & Secret.Payloads & SecretImport.Payloads;
export type Type = keyof Payloads;

/** An event as stored: kept 30 days as the record of what changed, in the outbox until relayed. */
export type Item<T extends Type = Type> = {
  pk: string;
  sk: string;
  // What the stream's filter (Layout.streamFilter) and the events already stored are known by.
  type: "webhook-event";
  id: string;
  orgId: string;
  eventType: T;
  /** The payload, as JSON. */
  data?: string;
  /** Instead of `data` on events written before it: their webhook body `{ type, timestamp, data }`. */
  payload?: string;
  createdAt: string;
  expiresAt: number;
  /** The outbox: the maintenance index, until every subscriber succeeded. */
  gsi2pk?: string;
  gsi2sk?: string;
  claimedUntil?: number;
  /** The subscribers that succeeded on an earlier try, which are not asked again. */
  done?: string[];
};

export const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `EVENT#${id}` });

/**
 * The event of a change, as a write of the transaction that makes the change: it exists exactly
 * when the change commits. `data` never holds a secret.
 */
export function write<T extends Type>(orgId: string, type: T, data: Payloads[T]) {
  const id = `evt_${randomUUID()}`;
  const createdAt = new Date().toISOString();
  const item: Item<T> = {
    ...key(orgId, id),
    type: "webhook-event",
    id,
    orgId,
    eventType: type,
    data: JSON.stringify(data),
    createdAt,
    expiresAt: Math.floor(Date.now() / 1000) + 30 * 86_400,
    gsi2pk: Layout.maintenanceKey("OUTBOX", id),
    gsi2sk: `${createdAt}#${id}`,
  };
  return { Put: { TableName: Dynamo.table(), Item: item } };
}

export const isEvent = (item: unknown): item is Item => (item as Item | undefined)?.type === "webhook-event";

/** Whether the event is one of `types` (a domain's list), so that its payload reads as theirs. */
export const isOneOf = <T extends Type>(event: Item, types: readonly T[]): event is Item<T> =>
  (types as readonly Type[]).includes(event.eventType);

export const payload = <T extends Type>(event: Item<T>): Payloads[T] =>
  event.data !== undefined ? JSON.parse(event.data) : JSON.parse(event.payload ?? "{}").data;

/** What one subscriber has to do for one event (idempotent: it may run again), or nothing. */
export type Work = (() => Promise<unknown>) | undefined;

/**
 * Reacts to events. `batch` is called once per stream batch or sweep run, and what it returns is
 * asked about each of its events, so that reads the events share (an org's webhook endpoints, a
 * folder's syncs) are made once. Asking only reads; the work runs once the event is claimed.
 */
export type Subscriber = { name: string; batch: () => (event: Item) => Promise<Work> };

type Asking = { name: string; ask: (event: Item) => Promise<Work> };

/**
 * For one stream batch (or sweep run): hands an event to every subscriber. Resolves true once
 * they all succeeded and the event left the outbox, false when another relay has it or it left
 * already; throws when a subscriber failed, the event still in the outbox.
 */
export function relay(subscribers: readonly Subscriber[]) {
  const asking = subscribers.map((s): Asking => ({ name: s.name, ask: s.batch() }));
  return (event: Item) => deliver(event, asking);
}

/**
 * The safety sweep: events still in the outbox `Layout.outboxSweep.afterMinutes` after they were
 * written, which a lost stream record, a relay that died or a subscriber that kept failing left
 * behind, up to `limit` per shard. Returns how many it relayed; throws, after trying all, if any
 * failed (they stay for the next run).
 */
export async function sweep(
  subscribers: readonly Subscriber[],
  limit = 100,
  before = new Date(Date.now() - Layout.outboxSweep.afterMinutes * 60_000),
) {
  const handle = relay(subscribers);
  const failed: unknown[] = [];
  const relayed = await Promise.all(
    Layout.maintenanceKeys("OUTBOX").map(async (pk) => {
      const out = await Dynamo.client.send(
        new QueryCommand({
          TableName: Dynamo.table(),
          IndexName: "gsi2",
          KeyConditionExpression: "gsi2pk = :pk AND gsi2sk < :before",
          ExpressionAttributeValues: { ":pk": pk, ":before": before.toISOString() },
          Limit: limit,
        }),
      );
      let count = 0;
      for (const item of (out.Items ?? []) as Item[])
        await handle(item).then(
          (done) => {
            if (done) count++;
          },
          (err) => failed.push(err),
        );
      return count;
    }),
  );
  if (failed.length > 0) {
    log.warn("outbox sweep: events left for the next run", { failed: failed.length });
    throw failed[0];
  }
  return relayed.reduce((a, b) => a + b, 0);
}

const claimMs = 60_000;
const taken = (err: unknown) => {
  if (err instanceof ConditionalCheckFailedException) return undefined;
  throw err;
};

/**
 * Asks each subscriber what the event needs. Nothing: the event only leaves the outbox (one
 * write). Otherwise it is claimed, so that two relays do not both act on it (a relay that dies
 * holding it leaves the claim to expire), the work runs, and the event leaves the outbox only if
 * all of it succeeded. If some failed, the claim is released with the subscribers that succeeded
 * noted, so that a retry runs only the others, and the first error is thrown.
 */
async function deliver(event: Item, subscribers: readonly Asking[]): Promise<boolean> {
  const asked = await Promise.all(
    subscribers
      .filter((s) => !event.done?.includes(s.name))
      .map(async (s) => ({ name: s.name, work: await s.ask(event) })),
  );
  const todo = asked.flatMap(({ name, work }) => (work ? [{ name, work }] : []));
  const now = Date.now();
  const until = now + claimMs;
  const unclaimed = "attribute_exists(gsi2pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)";
  const update = (UpdateExpression: string, ConditionExpression: string, values: Record<string, unknown>) =>
    Dynamo.client.send(
      new UpdateCommand({
        TableName: Dynamo.table(),
        Key: key(event.orgId, event.id),
        UpdateExpression,
        ConditionExpression,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_OLD",
      }),
    );
  const out = "REMOVE gsi2pk, gsi2sk, claimedUntil";
  if (todo.length === 0) return (await update(out, unclaimed, { ":now": now }).catch(taken)) !== undefined;
  const claim = await update("SET claimedUntil = :until", unclaimed, { ":until": until, ":now": now }).catch(taken);
  if (!claim) return false;
  // What an earlier try did: the stream's record is the event as inserted, without `done`.
  const before = (claim.Attributes?.done as string[] | undefined) ?? [];
  const running = todo.filter((t) => !before.includes(t.name));
  const results = await Promise.allSettled(running.map((t) => t.work()));
  const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failed.length > 0) {
    const done = [...before, ...running.filter((_, i) => results[i]?.status === "fulfilled").map((t) => t.name)];
    await update("SET done = :done REMOVE claimedUntil", "claimedUntil = :until", { ":done": done, ":until": until })
      .catch(taken)
      .catch(() => log.warn("event claim not released; it expires", { eventId: event.id }));
    throw failed[0];
  }
  await update(out, "claimedUntil = :until", { ":until": until }).catch(taken);
  return true;
}
