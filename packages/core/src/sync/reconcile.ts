/**
 * Reconciliation: every auto-sync's job queued once a period (packages/core/src/maintenance
 * fans a run out in pages per shard, at ./policy's pace). The job is the sync's
 * ordinary one, so it coalesces with changes and waits for leases; its run reads Railway and
 * rewrites whatever is out of line with the source: a variable edited by hand in Railway (drift,
 * named in the sync's message and in a `secret-sync.drift-corrected` event) or a change whose
 * trigger was lost. A sync in line costs one read of Railway and writes nothing there.
 */
import { randomUUID } from "node:crypto";
import { log } from "../log/index.ts";
import * as Queue from "../queue/index.ts";
import type { Item } from "./item.ts";
import type { Job } from "./schema.ts";
import * as Store from "./store.ts";
import { reconcileRequested } from "./transition.ts";

export { due } from "./store.ts";

/** Asks one sync to reconcile, its job delayed by `delaySeconds`. False when it is not one to reconcile (any longer). */
export async function request(orgId: string, syncId: string, delaySeconds = 0) {
  let asked: ReturnType<typeof reconcileRequested>;
  const done = await Store.change(orgId, syncId, (item) => {
    asked = reconcileRequested(item);
    return asked && asked.next !== item ? { next: asked.next } : undefined;
  });
  const step = asked as ReturnType<typeof reconcileRequested>;
  if (!done || !step) return false;
  const job: Job = {
    orgId,
    syncId,
    jobId: randomUUID(),
    kind: "sync",
    generation: step.generation,
    ...(step.reconcile ? { reconcile: true } : {}),
  };
  await Queue.send(Queue.syncs(), job, delaySeconds);
  return true;
}

/** A maintenance page's syncs, each at its delay, ten at a time. Returns how many were queued. */
export async function requestAll(items: readonly Item[], delays: readonly number[]) {
  let queued = 0;
  for (let i = 0; i < items.length; i += 10)
    await Promise.all(
      items.slice(i, i + 10).map(async (item, j) => {
        if (await request(item.orgId, item.id, delays[i + j] ?? 0)) queued++;
      }),
    );
  if (items.length) log.info("reconciles queued", { syncs: queued });
  return queued;
}
