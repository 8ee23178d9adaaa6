/** How a connection is stored: its item, its keys, and how an item reads as `Info`. */
import { maintenanceKey } from "../layout/index.ts";
import type * as Railway from "../railway/index.ts";
import type { Info, Purpose } from "./schema.ts";

/** The verification in flight: its job's id, and what it verifies. */
export type InFlight = {
  id: string;
  purpose: Purpose;
  method: Railway.Method;
  requestedAt: string;
  /** Set while the job waits for Railway's rate limit: the sweep counts it stale only from then. */
  heldUntil?: string;
};
export type FailedRotation = NonNullable<Info["rotation"]> & { status: "failed" };

export type Item = Omit<Info, "pendingVerification" | "rotation"> & {
  pk: string;
  sk: string;
  type: "connection";
  gsi1pk: string;
  gsi1sk: string;
  /** The maintenance index: "JOB#<shard>" while a verification is in flight, "ACTIVE#<shard>" while active. */
  gsi2pk?: string;
  gsi2sk?: string;
  job: InFlight | null;
  /** Only a failed rotation: a pending one is the job in flight whose purpose is "rotation". */
  rotation: FailedRotation | null;
  /** Bumped by every write, the worker's included: the guard of read-modify-write. */
  revision: number;
  sealedCredentials?: Uint8Array;
  idempotencyKey?: string;
};

export const now = () => new Date().toISOString();

export const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `CONNECTION#${id}` });
export const nameKey = ({ orgId, app, projectId, name }: Pick<Item, "orgId" | "app" | "projectId" | "name">) => ({
  pk: `ORG#${orgId}`,
  sk: `NAME#${app}#${projectId ?? "-"}#${name}`,
});
export const idempotencyKey = (orgId: string, key: string) => ({ pk: `ORG#${orgId}`, sk: `IDEMPOTENCY#${key}` });
export const listKey = (orgId: string) => `ORG#${orgId}#CONNECTIONS`;

export const toInfo = ({
  pk,
  sk,
  type,
  gsi1pk,
  gsi1sk,
  gsi2pk,
  gsi2sk,
  job,
  rotation,
  revision,
  sealedCredentials,
  idempotencyKey,
  ...info
}: Item): Info => ({
  ...info,
  pendingVerification: job ? { purpose: job.purpose, method: job.method, requestedAt: job.requestedAt } : null,
  rotation:
    job?.purpose === "rotation"
      ? { status: "pending", method: job.method, requestedAt: job.requestedAt, statusMessage: null }
      : (rotation ?? null),
});

/** Keeps the maintenance index in step with the item's state. */
export function indexed(item: Item): Item {
  const { gsi2pk, gsi2sk, ...rest } = item;
  if (item.job) {
    const { requestedAt, heldUntil } = item.job;
    const since = heldUntil && heldUntil > requestedAt ? heldUntil : requestedAt;
    return { ...rest, gsi2pk: maintenanceKey("JOB", item.id), gsi2sk: `${since}#${item.id}` };
  }
  if (item.status === "active")
    return { ...rest, gsi2pk: maintenanceKey("ACTIVE", item.id), gsi2sk: `${item.verifiedAt}#${item.id}` };
  return rest;
}
