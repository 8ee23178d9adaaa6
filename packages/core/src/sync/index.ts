/**
 * Railway secret syncs: a project's secrets (one environment and folder) kept in Railway
 * variables, a sync job queued for each change. The verbs load, call a transition
 * (./transition.ts) and write (./store.ts); the worker is ./run.ts, the difference ./diff.ts.
 */
import { randomUUID } from "node:crypto";
import * as ApiKey from "../apikey/index.ts";
import * as Connection from "../connection/index.ts";
import * as ConnectionStore from "../connection/store.ts";
import * as Env from "../env/index.ts";
import { invalidRequest, VisibleError } from "../error/index.ts";
import * as Event from "../event/index.ts";
import { log } from "../log/index.ts";
import * as Queue from "../queue/index.ts";
import * as SecretEvents from "../secret/events.ts";
import { type Info, type Item, toInfo } from "./item.ts";
import {
  type Change,
  type CreateInput,
  type ImportBehavior,
  type Job,
  SecretPath,
  type UpdateInput,
} from "./schema.ts";
import * as Store from "./store.ts";
import { covers, created, requested, syncRequested, updated } from "./transition.ts";

export { abandon, run } from "./run.ts";
export * from "./schema.ts";
export { source, use } from "./secrets.ts";
export { type Folder, memory, type Source } from "./source.ts";
export type { Info };

/** How long a change waits before its sync runs, so that a burst gives one sync of the latest state. */
const debounceSeconds = /* @__PURE__ */ Env.number("SYNC_DEBOUNCE_SECONDS", 2);
const now = () => new Date().toISOString();
const by = (actor: ApiKey.Actor) => ({ type: "api-key" as const, keyId: actor.keyId });
const notFound = () => new VisibleError("not-found", "not_found", "No Railway secret sync with this id");

/** As the connection API answers a connection the key cannot see: for the key, it does not exist. */
const connectionNotFound = (id: string) =>
  new VisibleError("not-found", "connection_not_found", `No Railway connection with id "${id}"`);

/**
 * The connection a sync of `projectId` is to run through: one the key reaches by the connection
 * API's own rule (a key limited to projects never reaches an org-wide one), of that project or of none.
 */
async function connectionFor(actor: ApiKey.Actor, connectionId: string, projectId: string) {
  const connection = await Connection.reachable(actor, connectionId);
  if (!connection) throw connectionNotFound(connectionId);
  if (connection.projectId !== null && connection.projectId !== projectId)
    throw new VisibleError(
      "unprocessable",
      "connection_project_mismatch",
      `The Railway connection ${connectionId} belongs to another project`,
    );
  return connection;
}

const info = async (item: Item) => {
  const connection = await ConnectionStore.load(item.orgId, item.connectionId);
  return toInfo(item, connection && { id: connection.id, name: connection.name, app: connection.app });
};

async function send(job: Job, delaySeconds = 0) {
  try {
    await Queue.send(Queue.syncs(), job, delaySeconds);
  } catch (err) {
    throw new VisibleError("unavailable", "queue_unavailable", "The sync could not be queued; try again", undefined, {
      cause: err,
    });
  }
}

/**
 * A destination held by a sync of a project the key does not reach is refused without naming
 * that sync: the key could not read it.
 */
async function writing<T>(actor: ApiKey.Actor, write: Promise<T>) {
  try {
    return await write;
  } catch (err) {
    if (err instanceof Store.DestinationTaken && err.holder && !ApiKey.reaches(actor, err.holder.projectId))
      throw new Store.DestinationTaken(err.item, err.holder, false);
    throw err;
  }
}

/** Stores the sync and queues its first sync; it answers at once. */
export async function create(actor: ApiKey.Actor, input: CreateInput): Promise<Info> {
  ApiKey.assertReaches(actor, input.projectId);
  await connectionFor(actor, input.connectionId, input.projectId);
  const id = randomUUID();
  const jobId = randomUUID();
  const item = created(actor.orgId, input, { id, now: now(), jobId });
  await writing(actor, Store.insert(item, { action: "secret-sync.created", actor: by(actor) }));
  await send({ orgId: actor.orgId, syncId: id, jobId, kind: "sync", generation: item.wanted });
  return info(item);
}

async function reachable(actor: ApiKey.Actor, id: string) {
  const item = await Store.load(actor.orgId, id);
  if (!item || !ApiKey.reaches(actor, item.projectId)) throw notFound();
  return item;
}

/**
 * A sync the key may run against Railway: one it can read, whose connection it reaches. A key
 * limited to projects may read its project's sync made by an org-wide key through an org-wide
 * connection, but not run that connection (sync, import, remove): it cannot see it.
 */
async function runnable(actor: ApiKey.Actor, id: string) {
  const item = await reachable(actor, id);
  if (!(await Connection.reachable(actor, item.connectionId))) throw connectionNotFound(item.connectionId);
  return item;
}

export const get = async (actor: ApiKey.Actor, id: string) => info(await reachable(actor, id));

/** The sync with the Railway names it manages (names only: what the console shows). */
export async function detail(actor: ApiKey.Actor, id: string) {
  const item = await reachable(actor, id);
  return { sync: await info(item), managedKeys: [...item.managedKeys].sort() };
}

export async function byName(actor: ApiKey.Actor, projectId: string, name: string) {
  ApiKey.assertReaches(actor, projectId);
  const item = (await Store.list(actor.orgId, projectId)).find((s) => s.name === name);
  if (!item) throw notFound();
  return info(item);
}

export async function list(actor: ApiKey.Actor, projectId: string) {
  ApiKey.assertReaches(actor, projectId);
  return Promise.all((await Store.list(actor.orgId, projectId)).map(info));
}

export async function update(actor: ApiKey.Actor, id: string, input: UpdateInput) {
  if (input.ID !== undefined && input.ID !== id)
    throw invalidRequest([{ path: "ID", message: "must be the path's syncId" }]);
  const before = await reachable(actor, id);
  if (input.projectId !== undefined && input.projectId !== before.projectId)
    throw invalidRequest([{ path: "projectId", message: "must be the sync's own project" }]);
  if (input.connectionId) await connectionFor(actor, input.connectionId, before.projectId);
  // A change that queues a sync runs the connection for the caller: it must reach it.
  const mayRun = Boolean(input.connectionId) || (await Connection.reachable(actor, before.connectionId)) !== undefined;
  const jobId = randomUUID();
  let resync = false;
  let refused = false;
  let invalid: string | undefined;
  const done = await writing(
    actor,
    Store.change(actor.orgId, id, (item) => {
      const step = updated(item, input, { jobId, now: now() });
      invalid = step.refused;
      if (invalid) return undefined;
      refused = step.resync && !mayRun;
      if (refused) return undefined;
      resync = step.resync;
      const changed = Object.keys(input).filter(
        (k) => input[k as keyof UpdateInput] !== undefined && !["projectId", "App", "ID"].includes(k),
      );
      return {
        next: step.next,
        audit: { action: "secret-sync.updated", actor: by(actor), details: { fields: changed.join(","), resync } },
      };
    }),
  );
  if (invalid) throw invalidRequest([{ path: "recursive", message: invalid }]);
  if (refused) throw connectionNotFound(before.connectionId);
  if (!done || done.after === "delete" || !done.after) throw notFound();
  if (resync) await send({ orgId: actor.orgId, syncId: id, jobId, kind: "sync", generation: done.after.wanted });
  return info(done.after);
}

/** A sync of the latest state, after `delaySeconds`. Undefined when the sync is gone. */
async function requestSync(orgId: string, id: string, delaySeconds = 0) {
  const jobId = randomUUID();
  const done = await Store.change(orgId, id, (item) =>
    item.deleting ? undefined : { next: syncRequested(item, jobId, now()) },
  );
  if (!done?.after || done.after === "delete") return done?.before;
  await send({ orgId, syncId: id, jobId, kind: "sync", generation: done.after.wanted }, delaySeconds);
  return done.after;
}

export async function syncNow(actor: ApiKey.Actor, id: string) {
  await runnable(actor, id);
  const item = await requestSync(actor.orgId, id);
  if (!item) throw notFound();
  return info(item);
}

async function requestRun(actor: ApiKey.Actor, id: string, kind: "import" | "remove", extra: Partial<Job> = {}) {
  await runnable(actor, id);
  const jobId = randomUUID();
  const done = await Store.change(actor.orgId, id, (item) => ({ next: requested(item, kind, jobId, now()) }));
  if (!done?.after || done.after === "delete") throw notFound();
  await send({ orgId: actor.orgId, syncId: id, jobId, kind, ...extra });
  return info(done.after);
}

export const importSecrets = (actor: ApiKey.Actor, id: string, importBehavior: ImportBehavior) =>
  requestRun(actor, id, "import", { importBehavior });

export const removeSecrets = (actor: ApiKey.Actor, id: string) => requestRun(actor, id, "remove");

/**
 * Deletes the sync. With `removeSecrets`, the names it wrote are removed from Railway first:
 * the sync stays (deleting) until its remove job has run, then goes.
 */
export async function remove(actor: ApiKey.Actor, id: string, removeSecrets: boolean) {
  const item = removeSecrets ? await runnable(actor, id) : await reachable(actor, id);
  if (!removeSecrets) {
    await Store.change(actor.orgId, id, () => ({
      next: "delete",
      audit: { action: "secret-sync.deleted", actor: by(actor), details: { removeSecrets: false } },
    }));
    return info(item);
  }
  const jobId = randomUUID();
  const done = await Store.change(actor.orgId, id, (i) => ({
    next: { ...requested(i, "remove", jobId, now()), deleting: true },
  }));
  if (!done?.after || done.after === "delete") throw notFound();
  await send({ orgId: actor.orgId, syncId: id, jobId, kind: "remove" });
  return info(done.after);
}

/** The syncs that watch a folder, to sync after a change in it. */
async function watching(change: Change) {
  if (!SecretPath.safeParse(change.path).success) return [];
  return (await Store.list(change.orgId, change.projectId)).filter(
    (s) => s.isAutoSyncEnabled && !s.deleting && s.environment === change.environment && covers(s, change.path),
  );
}

async function requestSyncs(change: Change, syncs: Item[]) {
  for (const s of syncs) await requestSync(s.orgId, s.id, debounceSeconds);
  if (syncs.length) log.info("secret change queued syncs", { orgId: change.orgId, syncs: syncs.length });
  return syncs.length;
}

/** Queues the syncs that watch the folder of a change (recursive ones: or a folder above it). */
export const triggered = async (change: Change) => requestSyncs(change, await watching(change));

/**
 * The sync trigger, an event subscriber: a secret's change queues the syncs that watch its
 * folder, or a folder above it recursively. Within a batch, a folder's syncs are read and queued
 * once, however many of its secrets changed together (a batch write is up to 25 events of one folder).
 */
export const onSecretChange: Event.Subscriber = {
  name: "syncs",
  batch() {
    const read = new Map<string, Promise<Item[]>>();
    const queued = new Map<string, Promise<number>>();
    return async (event) => {
      if (!Event.isOneOf(event, SecretEvents.types)) return undefined;
      const { projectId, environment, path } = Event.payload(event).secret;
      const change = { orgId: event.orgId, projectId, environment, path };
      const folder = JSON.stringify([event.orgId, projectId, environment, path]);
      if (!read.has(folder)) read.set(folder, watching(change));
      const syncs = (await read.get(folder)) ?? [];
      if (syncs.length === 0) return undefined;
      return () => {
        if (!queued.has(folder)) queued.set(folder, requestSyncs(change, syncs));
        return queued.get(folder) as Promise<number>;
      };
    };
  },
};
