/** Syncs in DynamoDB: reads, and guarded writes that commit an item with its webhook event. */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import * as Audit from "../audit/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";
import * as Webhook from "./events.ts";
import { type Item, key, listKey, nameKey, toInfo } from "./item.ts";

export const load = async (orgId: string, id: string) =>
  (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: key(orgId, id), ConsistentRead: true })))
    .Item as Item | undefined;

/** A project's syncs, oldest first (a project has a handful). */
export const list = (orgId: string, projectId: string) =>
  Dynamo.queryAll<Item>({
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": listKey(orgId, projectId) },
  });

export type Event = { type: Webhook.EventType };
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

const eventWrite = (item: Item, event?: Event) =>
  event ? [Webhook.event(item.orgId, event.type, { secretSync: toInfo(item) })] : [];

const nameTaken = (name: string) =>
  new VisibleError("conflict", "name_taken", `A secret sync named "${name}" already exists`);

const holdName = (item: Item): Dynamo.Write => ({
  Put: {
    TableName: Dynamo.table(),
    Item: { ...nameKey(item), type: "secret-sync-name", syncId: item.id },
    ConditionExpression: "attribute_not_exists(pk)",
  },
});
const dropName = (item: Item): Dynamo.Write => ({ Delete: { TableName: Dynamo.table(), Key: nameKey(item) } });

/** The name writes of a change: none, the old name given up and the new one taken, or the name freed. */
const nameWrites = (before: Item, after: Item | "delete") =>
  after === "delete" ? [dropName(before)] : after.name !== before.name ? [dropName(before), holdName(after)] : [];

/** Commits `all`; a failed name hold is the name taken. */
async function commit(all: Dynamo.Write[], name?: { write: Dynamo.Write; name: string }) {
  try {
    await Dynamo.transact(all);
  } catch (err) {
    if (name && Dynamo.failedOn(err, all, name.write)) throw nameTaken(name.name);
    throw err;
  }
}

export async function insert(item: Item, record: AuditRecord) {
  const hold = holdName(item);
  await commit(
    [
      { Put: { TableName: Dynamo.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
      hold,
      ...auditWrite(item, record),
    ],
    { write: hold, name: item.name },
  );
}

/**
 * Read-modify-write of one sync, guarded by its revision and tried again when another write got
 * there first. `apply` returns the next item (with the event it causes), "delete", or undefined
 * for no change. Undefined when the sync does not exist.
 */
export async function change(
  orgId: string,
  id: string,
  apply: (item: Item) => { next: Item | "delete"; event?: Event; audit?: AuditRecord } | undefined,
): Promise<{ before: Item; after: Item | "delete" | undefined } | undefined> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const item = await load(orgId, id);
    if (!item) return undefined;
    const step = apply(item);
    if (!step) return { before: item, after: undefined };
    const guard = {
      ConditionExpression: "revision = :revision",
      ExpressionAttributeValues: { ":revision": item.revision },
    };
    const after = step.next === "delete" ? "delete" : { ...step.next, revision: item.revision + 1 };
    const own: Dynamo.Write =
      after === "delete"
        ? { Delete: { TableName: Dynamo.table(), Key: key(orgId, id), ...guard } }
        : { Put: { TableName: Dynamo.table(), Item: after, ...guard } };
    const shown = after === "delete" ? item : after;
    const names = nameWrites(item, after);
    const all = [own, ...names, ...eventWrite(shown, step.event), ...auditWrite(shown, step.audit)];
    const hold = names[1];
    try {
      await commit(all, hold && after !== "delete" ? { write: hold, name: after.name } : undefined);
      return { before: item, after };
    } catch (err) {
      if (Dynamo.failedOn(err, all, own)) continue;
      throw err;
    }
  }
  throw new VisibleError(
    "conflict",
    "concurrent_change",
    "The secret sync kept changing while this request ran; try again",
  );
}
