/**
 * Every change of a sync as a pure function of the item as it is: the verbs load, call one of
 * these and write the result guarded by the item's revision (./store.ts).
 */
import type { Item } from "./item.ts";
import { key, listKey, reconciled } from "./item.ts";
import {
  type CreateInput,
  type DestinationConfig,
  importsIntoMany,
  type Job,
  recursiveImportMessage,
  recursiveOf,
  type Status,
  type SyncOptions,
  type UpdateInput,
} from "./schema.ts";

/**
 * Where a sync writes, as one comparable string: Railway's ids only (a label such as
 * `serviceName` may change without the sync moving). A run is bound to the one it leased with.
 */
export const destinationOf = (d: DestinationConfig) =>
  JSON.stringify([d.projectId, d.environmentId, d.serviceId ?? null]);

/** Whether a sync reads `path`: its own folder, or one below it when recursive (`/app` covers `/app/x`, not `/apple`). */
export const covers = (sync: Pick<Item, "secretPath" | "recursive">, path: string) =>
  sync.secretPath === path ||
  (sync.recursive === true && (sync.secretPath === "/" || path.startsWith(`${sync.secretPath}/`)));

/** Options as stored: `recursive` is the item's own field, whichever place the client said it in. */
const stored = ({ recursive, ...options }: SyncOptions): SyncOptions => options;

const idle = {
  importStatus: null,
  lastImportJobId: null,
  lastImportMessage: null,
  lastImportedAt: null,
  removeStatus: null,
  lastRemoveJobId: null,
  lastRemoveMessage: null,
  lastRemovedAt: null,
} as const;

/** A new sync; its first sync is requested with it. */
export function created(
  orgId: string,
  input: CreateInput,
  { id, now, jobId }: { id: string; now: string; jobId: string },
): Item {
  return {
    ...key(orgId, id),
    type: "secret-sync",
    gsi1pk: listKey(orgId, input.projectId),
    gsi1sk: `${now}#${id}`,
    id,
    orgId,
    name: input.name,
    description: input.description ?? null,
    projectId: input.projectId,
    connectionId: input.connectionId,
    environment: input.environment,
    secretPath: input.secretPath,
    recursive: recursiveOf(input) ?? false,
    isAutoSyncEnabled: input.isAutoSyncEnabled,
    syncOptions: stored(input.syncOptions),
    destinationConfig: input.destinationConfig,
    createdAt: now,
    updatedAt: now,
    managedKeys: [],
    wanted: 1,
    done: 0,
    lease: null,
    deleting: false,
    revision: 0,
    syncStatus: "pending",
    lastSyncJobId: jobId,
    lastSyncMessage: null,
    lastSyncedAt: null,
    ...idle,
  };
}

/** One more sync request: a job for `wanted` is queued, and any earlier one still queued will skip. */
export const syncRequested = (item: Item, jobId: string, now: string): Item => ({
  ...item,
  wanted: item.wanted + 1,
  syncStatus: item.syncStatus === "running" ? "running" : "pending",
  lastSyncJobId: jobId,
  updatedAt: now,
});

/**
 * What a reconcile asks of a sync: the request its job runs for, or undefined for a sync that is
 * no longer one to reconcile. A settled sync gets a new request like any other (its job coalesces
 * with the others) that leaves the status as it is, since its job may wait minutes in the queue,
 * its place in the run's pace. A sync with a request pending is not asked again (a new request
 * would hold that one's change back until the reconcile's job): a job for that request is queued,
 * which heals one lost on the way. `reconcile`: the sync was in line when asked (settled, its last
 * sync succeeded), so whatever its run finds out of line in Railway is drift.
 */
export function reconcileRequested(item: Item): { next: Item; generation: number; reconcile: boolean } | undefined {
  if (!reconciled(item)) return undefined;
  if (item.done < item.wanted) return { next: item, generation: item.wanted, reconcile: false };
  const reconcile = item.syncStatus === "succeeded" && item.lastSyncedAt !== null;
  return { next: { ...item, wanted: item.wanted + 1 }, generation: item.wanted + 1, reconcile };
}

/**
 * A change of settings; a sync is requested when what it copies, or where to, changed. `refused`:
 * the change would leave the sync recursive with an import first sync, and nothing changes.
 */
export function updated(item: Item, input: UpdateInput, { jobId, now }: { jobId: string; now: string }) {
  const next: Item = {
    ...item,
    name: input.name ?? item.name,
    description: input.description === undefined ? item.description : input.description,
    connectionId: input.connectionId ?? item.connectionId,
    environment: input.environment ?? item.environment,
    secretPath: input.secretPath ?? item.secretPath,
    recursive: recursiveOf(input) ?? item.recursive === true,
    isAutoSyncEnabled: input.isAutoSyncEnabled ?? item.isAutoSyncEnabled,
    syncOptions: input.syncOptions ? stored(input.syncOptions) : item.syncOptions,
    destinationConfig: input.destinationConfig ?? item.destinationConfig,
    updatedAt: now,
  };
  // A new destination starts over: the names written elsewhere are not there, and its first sync
  // follows initialSyncBehavior. A run still at the old one settles neither names nor times here.
  const moved = destinationOf(next.destinationConfig) !== destinationOf(item.destinationConfig);
  const moving = moved ? { managedKeys: [], lastSyncedAt: null } : {};
  const resync =
    next.isAutoSyncEnabled &&
    (moved ||
      next.connectionId !== item.connectionId ||
      next.environment !== item.environment ||
      next.secretPath !== item.secretPath ||
      next.recursive !== (item.recursive === true) ||
      JSON.stringify(next.syncOptions) !== JSON.stringify(item.syncOptions) ||
      (next.isAutoSyncEnabled && !item.isAutoSyncEnabled));
  const refused = importsIntoMany(next.recursive, next.syncOptions) ? recursiveImportMessage : undefined;
  return {
    next: resync ? syncRequested({ ...next, ...moving }, jobId, now) : { ...next, ...moving },
    resync,
    refused,
  };
}

const run = (kind: Job["kind"]) =>
  kind === "sync"
    ? ({ status: "syncStatus", job: "lastSyncJobId", message: "lastSyncMessage", at: "lastSyncedAt" } as const)
    : kind === "import"
      ? ({
          status: "importStatus",
          job: "lastImportJobId",
          message: "lastImportMessage",
          at: "lastImportedAt",
        } as const)
      : ({
          status: "removeStatus",
          job: "lastRemoveJobId",
          message: "lastRemoveMessage",
          at: "lastRemovedAt",
        } as const);

/** An import or a removal requested: its own status fields. */
export function requested(item: Item, kind: "import" | "remove", jobId: string, now: string): Item {
  const f = run(kind);
  return { ...item, [f.status]: "pending", [f.job]: jobId, [f.message]: null, updatedAt: now };
}

/** Whether a job still has work: a sync only for the latest request, once; others while theirs is pending. */
export function current(item: Item | undefined, job: Job): boolean {
  if (!item) return false;
  if (job.kind === "sync") return job.generation === item.wanted && item.done < item.wanted;
  const f = run(job.kind);
  return item[f.job] === job.jobId && (item[f.status] === "pending" || item[f.status] === "running");
}

export type Lease = { kind: "stale" } | { kind: "busy"; until: string } | { kind: "go"; next: Item };

/** The job takes the sync, unless it has nothing to do or another job holds it. */
export function leased(item: Item | undefined, job: Job, now: Date, seconds: number): Lease {
  if (!item || !current(item, job)) return { kind: "stale" };
  if (item.lease && item.lease.jobId !== job.jobId && item.lease.until > now.toISOString())
    return { kind: "busy", until: item.lease.until };
  const f = run(job.kind);
  const until = new Date(now.getTime() + seconds * 1000).toISOString();
  return { kind: "go", next: { ...item, lease: { jobId: job.jobId, until }, [f.status]: "running" } };
}

/**
 * Whether a job may still write: it holds the lease and the sync still points at `destination`,
 * the one it read and planned for (`destinationOf` the item it leased). Undefined: not checked.
 */
export const bound = (item: Item, jobId: string, destination?: string) =>
  item.lease?.jobId === jobId && (destination === undefined || destination === destinationOf(item.destinationConfig));

/** Names the job is about to write: managed before they are written, so that a crash loses none. */
export function managing(item: Item, jobId: string, names: readonly string[], destination?: string): Item | undefined {
  if (!bound(item, jobId, destination)) return undefined;
  const all = [...new Set([...item.managedKeys, ...names])].sort();
  return all.length === item.managedKeys.length ? undefined : { ...item, managedKeys: all };
}

export type Result = {
  status: Extract<Status, "succeeded" | "failed">;
  message: string;
  managedKeys?: string[];
  /** `destinationOf` where the job ran: its names and time settle only if the sync is still there. */
  destination?: string;
  /** Nothing was written, deleted or imported. */
  quiet?: boolean;
  /** A reconcile's managed names that Railway held out of line with the source, rewritten or deleted (names only). */
  drifted?: string[];
};

export const movedMessage =
  "The sync's destination changed while this run was at Railway: what it did there is not carried over, and the new destination gets a first sync of its own.";

/** The job's end: its status and message, and the lease released. Undefined when the job no longer holds it. */
export function finished(item: Item, job: Job, result: Result, now: string): Item | undefined {
  if (item.lease?.jobId !== job.jobId) return undefined;
  const f = run(job.kind);
  const moved = result.destination !== undefined && result.destination !== destinationOf(item.destinationConfig);
  const ran: Item = moved
    ? {
        ...item,
        lease: null,
        [f.message]: `${result.message} ${movedMessage}`,
      }
    : {
        ...item,
        lease: null,
        managedKeys: result.managedKeys ?? item.managedKeys,
        [f.message]: result.message,
        ...(result.status === "succeeded" ? { [f.at]: now } : {}),
      };
  if (job.kind !== "sync") return { ...ran, [f.status]: result.status };
  const generation = job.generation ?? item.wanted;
  // A request that came in meanwhile keeps the sync pending: its own job follows.
  const newer = item.wanted > generation;
  return { ...ran, done: generation, syncStatus: newer ? "pending" : result.status };
}

/** The lease handed back for a retry later; the status stays as it was. */
export const released = (item: Item, jobId: string): Item | undefined =>
  item.lease?.jobId === jobId ? { ...item, lease: null } : undefined;

/**
 * The job waits for Railway's rate limit: the lease handed back, its run pending again and saying
 * so (`message`) until the job comes back. Undefined when the job no longer holds the lease.
 */
export function waiting(item: Item, job: Job, message: string): Item | undefined {
  if (item.lease?.jobId !== job.jobId) return undefined;
  const f = run(job.kind);
  return { ...item, lease: null, [f.status]: "pending", [f.message]: message };
}
