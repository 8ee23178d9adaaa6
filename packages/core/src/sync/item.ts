/** How a sync is stored, and how its item reads as the prior art's `secretSync`. */
import * as Layout from "../layout/index.ts";
import type { CreateInput, DestinationConfig, Status, SyncOptions } from "./schema.ts";

type Runs = {
  syncStatus: Status | null;
  lastSyncJobId: string | null;
  lastSyncMessage: string | null;
  lastSyncedAt: string | null;
  importStatus: Status | null;
  lastImportJobId: string | null;
  lastImportMessage: string | null;
  lastImportedAt: string | null;
  removeStatus: Status | null;
  lastRemoveJobId: string | null;
  lastRemoveMessage: string | null;
  lastRemovedAt: string | null;
};

export type Item = Runs & {
  pk: string;
  sk: string;
  type: "secret-sync";
  /** Lists a project's syncs. */
  gsi1pk: string;
  gsi1sk: string;
  /** Reconciliation's index (sparse): present exactly while the sync is one to reconcile (`indexed`). */
  gsi2pk?: string;
  gsi2sk?: string;
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  projectId: string;
  connectionId: string;
  environment: string;
  secretPath: string;
  /** The folder's sub-folders too. Absent on syncs made before it existed: false. */
  recursive?: boolean;
  isAutoSyncEnabled: boolean;
  syncOptions: SyncOptions;
  destinationConfig: DestinationConfig;
  createdAt: string;
  updatedAt: string;
  /** Railway names this sync wrote and still manages: the only ones it may delete. */
  managedKeys: string[];
  /** Sync requests made, and the request the last finished sync answered: bursts coalesce. */
  wanted: number;
  done: number;
  /** The job running against Railway, so that two never run at once; `until` bounds a crashed one. */
  lease: { jobId: string; until: string } | null;
  /** Set by a delete that removes the synced secrets: the remove job deletes the sync after. */
  deleting: boolean;
  /** Bumped by every write: the guard of read-modify-write. */
  revision: number;
};

export const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `SECRET_SYNC#${id}` });
export const listKey = (orgId: string, projectId: string) => `ORG#${orgId}#SECRET_SYNCS#${projectId}`;
/** Holds a name in its project: written in the same transaction as the sync, so two cannot share one. */
export const nameKey = ({ orgId, projectId, name }: Pick<Item, "orgId" | "projectId" | "name">) => ({
  pk: `ORG#${orgId}`,
  sk: `SECRET_SYNC_NAME#${projectId}#${name}`,
});

/**
 * Holds a Railway destination in its org, as `nameKey` holds a name: two syncs on one destination
 * would overwrite each other's names and delete what the other manages. No `serviceId` is the
 * environment's shared variables (ids are never empty, so the empty last part is unambiguous).
 */
export const destinationKey = ({ orgId, destinationConfig: d }: Pick<Item, "orgId" | "destinationConfig">) => ({
  pk: `ORG#${orgId}`,
  sk: `SECRET_SYNC_DESTINATION#${d.projectId}#${d.environmentId}#${d.serviceId ?? ""}`,
});

/** Whether reconciliation re-checks the sync: it syncs on its own, and is not being deleted. */
export const reconciled = (item: Pick<Item, "isAutoSyncEnabled" | "deleting">) =>
  item.isAutoSyncEnabled && !item.deleting;

/**
 * The item as stored: in the maintenance index (a shard of `SYNC`, oldest first) while it is one
 * to reconcile, out of it otherwise, so that a run reads only the syncs it re-checks.
 */
export function indexed(item: Item): Item {
  const { gsi2pk, gsi2sk, ...rest } = item;
  return reconciled(item)
    ? { ...rest, gsi2pk: Layout.maintenanceKey("SYNC", item.id), gsi2sk: `${item.createdAt}#${item.id}` }
    : rest;
}

export type Connection = { id: string; name: string; app: string };

/** The answer's shape (the prior art's), with the connection as it is now. */
export function toInfo(item: Item, connection?: Connection) {
  const {
    pk,
    sk,
    type,
    gsi1pk,
    gsi1sk,
    gsi2pk,
    gsi2sk,
    managedKeys,
    wanted,
    done,
    lease,
    deleting,
    revision,
    environment,
    secretPath,
    recursive,
    syncOptions,
    ...info
  } = item;
  return {
    ...info,
    recursive: recursive === true,
    // Where the prior art's clients read it back (and send it again).
    syncOptions: { ...syncOptions, recursive: recursive === true },
    destination: "railway" as const,
    environment: { slug: environment, name: environment, id: environment },
    folder: { id: `${environment}:${secretPath}`, path: secretPath },
    connection: { app: "railway", name: connection?.name ?? null, id: item.connectionId },
  };
}
export type Info = ReturnType<typeof toInfo>;

export type New = { orgId: string; id: string; now: string; input: CreateInput };
