/** Connections in DynamoDB: reads, and the guarded writes that commit a step with all that goes with it. */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as Audit from "../audit/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import * as Event from "../event/index.ts";
import * as Page from "../page/index.ts";
import { NameTaken } from "./errors.ts";
import { type Item, idempotencyKey, indexed, key, listKey, nameKey, toInfo } from "./item.ts";
import type { Info } from "./schema.ts";

export type { Item };

import type { Step } from "./transition.ts";

/** A write of a new item: it fails if the item exists. */
const fresh = (Item: Record<string, unknown>): Dynamo.Write => ({
  Put: { TableName: Dynamo.table(), Item, ConditionExpression: "attribute_not_exists(pk)" },
});
const drop = (Key: Record<string, unknown>, guard = {}): Dynamo.Write => ({
  Delete: { TableName: Dynamo.table(), Key, ...guard },
});

const get = async (Key: Record<string, string>) =>
  (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key, ConsistentRead: true }))).Item;

export const load = (orgId: string, id: string) => get(key(orgId, id)) as Promise<Item | undefined>;

/** The id of the connection that holds a name, if any. */
export const named = async (at: Parameters<typeof nameKey>[0]) =>
  (await get(nameKey(at)))?.connectionId as string | undefined;

/** What a create with this Idempotency-Key stored: the connection's id and the request's fingerprint. */
export const idempotent = (orgId: string, idempotency: string) =>
  get(idempotencyKey(orgId, idempotency)) as Promise<{ connectionId: string; fingerprint: string } | undefined>;

/**
 * The writes that go with a step besides the connection's own: the name lock when the name is
 * new or changes (its Put is `lock`), the old name's and the idempotency key's release when
 * they go, the audit entry and the event.
 */
function alongside(before: Item | undefined, { next, event, audit }: Step) {
  const lock =
    next !== "delete" && next.name !== before?.name
      ? fresh({ ...nameKey(next), type: "name", connectionId: next.id })
      : undefined;
  const writes = lock ? [lock] : [];
  if (before && (next === "delete" || next.name !== before.name)) writes.push(drop(nameKey(before)));
  if (next === "delete" && before?.idempotencyKey)
    writes.push(drop(idempotencyKey(before.orgId, before.idempotencyKey)));
  writes.push(Audit.put(audit));
  const shown = next === "delete" ? before : next;
  if (event && shown) writes.push(Event.write(shown.orgId, event, { appConnection: toInfo(shown) }));
  return { writes, lock };
}

/**
 * Stores a new connection with its name lock, audit entry and event, and its idempotency key
 * with the request's `fingerprint`, each conditional on not existing yet. Undefined when the
 * idempotency key was taken meanwhile; the writes otherwise, for `rollback`.
 */
export async function insert(step: Step & { next: Item }, fingerprint?: string) {
  const { writes, lock } = alongside(undefined, step);
  const { orgId, id, idempotencyKey: idempotency } = step.next;
  const extra =
    idempotency &&
    fresh({
      ...idempotencyKey(orgId, idempotency),
      type: "idempotency",
      connectionId: id,
      fingerprint,
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
    });
  const all = [fresh(indexed(step.next)), ...writes, ...(extra ? [extra] : [])];
  try {
    await Dynamo.transact(all);
  } catch (err) {
    if (Dynamo.failedOn(err, all, extra)) return undefined;
    if (Dynamo.failedOn(err, all, lock)) throw new NameTaken(step.next.name);
    throw err;
  }
  return all;
}

/** Undoes `insert`: every item it wrote is new, so each is deleted. */
export const rollback = (writes: Dynamo.Write[]) =>
  Dynamo.transact(writes.map((w) => drop({ pk: w.Put?.Item?.pk, sk: w.Put?.Item?.sk })));

/**
 * Read-modify-write of one connection, guarded by its revision and retried when another write
 * (a user's or the worker's) got there first. `seen` is the item as the caller just read it,
 * which saves the first read (the revision guard still holds). Undefined when the connection
 * does not exist; `after` is undefined when the step changed nothing.
 */
/**
 * Read-modify-write of one connection (`Dynamo.change`), retried when another write (a user's or
 * the worker's) got there first. `seen` is the item as the caller just read it, which saves the
 * first read (the revision guard still holds).
 */
export const change = (orgId: string, id: string, apply: (item: Item) => Step | undefined, seen?: Item) =>
  Dynamo.change(
    "connection",
    (attempt) => (attempt === 0 && seen ? Promise.resolve(seen) : load(orgId, id)),
    apply,
    async (item, step, guard) => {
      const after = step.next === "delete" ? "delete" : indexed({ ...step.next, revision: item.revision + 1 });
      const own: Dynamo.Write =
        after === "delete"
          ? drop(key(orgId, id), guard)
          : { Put: { TableName: Dynamo.table(), Item: after, ...guard } };
      const { writes, lock } = alongside(item, step);
      const all = [own, ...writes];
      try {
        await Dynamo.transact(all);
        return after;
      } catch (err) {
        if (Dynamo.failedOn(err, all, own)) return Dynamo.refused;
        if (lock && after !== "delete" && Dynamo.failedOn(err, all, lock)) throw new NameTaken(after.name);
        throw err;
      }
    },
  );

/**
 * Marks the verification in flight as waiting for Railway's rate limit until `until`, so that
 * the stale sweep (which reads `gsi2sk`, see `indexed`) does not take a held job for a lost one.
 * Bookkeeping, not a step: no audit entry or event; the revision still moves. Whether it applied.
 */
export async function holdJob(orgId: string, id: string, jobId: string, until: string) {
  try {
    await Dynamo.client.send(
      new UpdateCommand({
        TableName: Dynamo.table(),
        Key: key(orgId, id),
        UpdateExpression: "SET #job.heldUntil = :until, gsi2sk = :sk, revision = revision + :one",
        ConditionExpression: "#job.id = :jobId AND #job.requestedAt < :until",
        ExpressionAttributeNames: { "#job": "job" },
        ExpressionAttributeValues: { ":until": until, ":sk": `${until}#${id}`, ":jobId": jobId, ":one": 1 },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/**
 * Maintenance: one page of a shard of the index (`gsi2pk`, see `Layout.maintenanceKey`), the
 * connections with a job in flight ("JOB#…") or active ("ACTIVE#…") since before `before`.
 */
export const due = (gsi2pk: string, before: string, limit: number, after?: Record<string, unknown>) =>
  Dynamo.due<Item>(gsi2pk, before, limit, after);

/** A page of an org's connections, newest first, limited to some projects and a status if given. */
export async function page(
  orgId: string,
  opts: {
    projects?: readonly string[] | undefined;
    status?: Info["status"] | undefined;
    cursor?: string;
    limit: number;
  },
) {
  const { values, ...filtered } = Dynamo.filter({ projectId: opts.projects, status: opts.status });
  const found = await Page.query(
    (ExclusiveStartKey, Limit) =>
      Dynamo.client.send(
        new QueryCommand({
          TableName: Dynamo.table(),
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk",
          ...filtered,
          ExpressionAttributeValues: { ":pk": listKey(orgId), ...values },
          ScanIndexForward: false,
          ExclusiveStartKey,
          Limit,
        }),
      ),
    { cursor: opts.cursor, limit: opts.limit, scope: listKey(orgId) },
  );
  return { items: found.items.map((i) => toInfo(i as Item)), cursor: found.cursor };
}
