/** Syncs in DynamoDB: reads, and guarded writes that commit an item with its webhook event. */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import * as Audit from "../audit/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";
import * as Events from "./events.ts";
import { destinationKey, type Item, indexed, key, listKey, nameKey, toInfo } from "./item.ts";

export const load = async (orgId: string, id: string) =>
  (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: key(orgId, id), ConsistentRead: true })))
    .Item as Item | undefined;

const listing = new Map<string, Promise<Item[]>>();

/**
 * A project's syncs, oldest first (a project has a handful). Callers that ask while the same
 * read is in flight share it (the event log's subscribers ask about one event at once), so
 * that a stream batch reads a project's syncs once whoever asks; it is never cached after.
 */
export function list(orgId: string, projectId: string) {
  const id = listKey(orgId, projectId);
  const inFlight = listing.get(id);
  if (inFlight) return inFlight;
  const read = Dynamo.queryAll<Item>({
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": id },
  }).finally(() => listing.delete(id));
  listing.set(id, read);
  return read;
}

/** A page of one shard of reconciliation's index: syncs created before `before` (ISO-8601). */
export const due = (gsi2pk: string, before: string, limit: number, after?: Record<string, unknown>) =>
  Dynamo.due<Item>(gsi2pk, before, limit, after);

export type Event =
  | { type: Exclude<Events.EventType, "secret-sync.drift-corrected"> }
  | { type: "secret-sync.drift-corrected"; keys: string[] };
/** An audit entry of a sync: under its connection, the sync named in its details. */
export type AuditRecord = { action: Audit.Action; actor: Audit.Actor; details?: Audit.Input["details"] };

const auditWrite = (item: Item, record?: AuditRecord) =>
  record
    ? [
        Audit.put({
          orgId: item.orgId,
          action: record.action,
          actor: record.actor,
          connectionId: item.connectionId,
          projectId: item.projectId,
          details: { syncId: item.id, name: item.name, ...record.details },
        }),
      ]
    : [];

const eventWrite = (item: Item, events: Event | readonly Event[] = []) =>
  [events]
    .flat()
    .map((e) =>
      e.type === "secret-sync.drift-corrected"
        ? Events.event(item.orgId, e.type, { secretSync: toInfo(item), keys: e.keys })
        : Events.event(item.orgId, e.type, { secretSync: toInfo(item) }),
    );

/**
 * What one sync at a time may hold, by an item written in the sync's own transaction: its name
 * in its project, and its Railway destination in its org. Listed in the order a refusal names them.
 */
type Lock = {
  type: string;
  key: (item: Item) => { pk: string; sk: string };
  taken: (item: Item, holder: Item | undefined) => VisibleError;
};

const locks: Lock[] = [
  {
    type: "secret-sync-name",
    key: nameKey,
    taken: (item) => new VisibleError("conflict", "name_taken", `A secret sync named "${item.name}" already exists`),
  },
  { type: "secret-sync-destination", key: destinationKey, taken: (item, holder) => new DestinationTaken(item, holder) },
];

/** Another sync of the org holds the destination: `holder` (undefined if it went meanwhile). */
export class DestinationTaken extends VisibleError {
  constructor(
    readonly item: Item,
    readonly holder?: Item,
    named = true,
  ) {
    const d = item.destinationConfig;
    const where = `project ${d.projectId}, environment ${d.environmentId}, ${d.serviceId ? `service ${d.serviceId}` : "shared variables"}`;
    const other = !holder
      ? "another secret sync"
      : named
        ? `the secret sync "${holder.name}" (${holder.id})`
        : "a secret sync of another project";
    super(
      "conflict",
      "destination_taken",
      `This Railway destination (${where}) is already synced by ${other}: two syncs on one destination would overwrite each other's variables. Change or delete that sync first.`,
    );
  }
}

const hold = (lock: Lock, item: Item): Dynamo.Write => ({
  Put: {
    TableName: Dynamo.table(),
    Item: { ...lock.key(item), type: lock.type, syncId: item.id },
    ConditionExpression: "attribute_not_exists(pk)",
  },
});
const drop = (lock: Lock, item: Item): Dynamo.Write => ({
  Delete: {
    TableName: Dynamo.table(),
    Key: lock.key(item),
    ConditionExpression: "syncId = :id",
    ExpressionAttributeValues: { ":id": item.id },
  },
});

/** The sync holding a lock now, by id. */
const holderId = async (lock: Lock, item: Item) =>
  (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: lock.key(item), ConsistentRead: true })))
    .Item?.syncId as string | undefined;

type Held = { lock: Lock; item: Item; write: Dynamo.Write };

/**
 * A change's lock writes: for each lock whose key changed, the old one given up and the new one
 * taken. A lock is given up only by the sync holding it: a sync stored before destinations were
 * held holds none, and its delete must not free another sync's.
 */
async function lockWrites(before: Item | undefined, after: Item | "delete") {
  const writes: Dynamo.Write[] = [];
  const held: Held[] = [];
  for (const lock of locks) {
    const next = after === "delete" ? undefined : after;
    if (before && next && lock.key(before).sk === lock.key(next).sk) continue;
    if (before && (await holderId(lock, before)) === before.id) writes.push(drop(lock, before));
    if (next) {
      const write = hold(lock, next);
      writes.push(write);
      held.push({ lock, item: next, write });
    }
  }
  return { writes, held };
}

/** The sync holding a lock now (another one: the lock refused this write), if it still exists. */
async function holder({ lock, item }: Held) {
  const id = await holderId(lock, item);
  return id ? load(item.orgId, id) : undefined;
}

/**
 * Commits `all`; a refused lock is the name or destination taken, said of the first one refused,
 * unless the sync's own write (`own`) was refused too: the caller then reads the sync again.
 */
async function commit(all: Dynamo.Write[], held: Held[], own?: Dynamo.Write) {
  try {
    await Dynamo.transact(all);
  } catch (err) {
    const refused = !Dynamo.failedOn(err, all, own) && held.find((h) => Dynamo.failedOn(err, all, h.write));
    if (refused) throw refused.lock.taken(refused.item, await holder(refused));
    throw err;
  }
}

export async function insert(item: Item, record: AuditRecord) {
  const { writes, held } = await lockWrites(undefined, item);
  await commit(
    [
      { Put: { TableName: Dynamo.table(), Item: indexed(item), ConditionExpression: "attribute_not_exists(pk)" } },
      ...writes,
      ...auditWrite(item, record),
    ],
    held,
  );
}

/**
 * Read-modify-write of one sync, guarded by its revision and tried again when another write got
 * there first. `apply` returns the next item (with the events it causes), "delete", or undefined
 * for no change. Undefined when the sync does not exist.
 */
/**
 * Read-modify-write of one sync (`Dynamo.change`): `apply` returns the next item with the events
 * it causes, "delete", or undefined for no change.
 */
export const change = (
  orgId: string,
  id: string,
  apply: (item: Item) => { next: Item | "delete"; event?: Event | readonly Event[]; audit?: AuditRecord } | undefined,
) =>
  Dynamo.change(
    "secret sync",
    () => load(orgId, id),
    apply,
    async (item, step, guard) => {
      const after = step.next === "delete" ? "delete" : indexed({ ...step.next, revision: item.revision + 1 });
      const own: Dynamo.Write =
        after === "delete"
          ? { Delete: { TableName: Dynamo.table(), Key: key(orgId, id), ...guard } }
          : { Put: { TableName: Dynamo.table(), Item: after, ...guard } };
      const shown = after === "delete" ? item : after;
      const { writes, held } = await lockWrites(item, after);
      const all = [own, ...writes, ...eventWrite(shown, step.event), ...auditWrite(shown, step.audit)];
      try {
        await commit(all, held, own);
        return after;
      } catch (err) {
        if (Dynamo.failedOn(err, all, own)) return Dynamo.refused;
        throw err;
      }
    },
  );
