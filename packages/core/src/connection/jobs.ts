/** Verification jobs: queueing them, settling their outcomes, and the maintenance that finds lost ones. */
import { randomUUID } from "node:crypto";
import type * as Audit from "../audit/index.ts";
import { VisibleError } from "../error/index.ts";
import { log } from "../log/index.ts";
import * as Queue from "../queue/index.ts";
import { now, toInfo } from "./item.ts";
import type { Job } from "./schema.ts";
import * as Store from "./store.ts";
import { type Outcome, recheckRequested, settled } from "./transition.ts";

/** Queues a job already recorded on the connection; if the queue refuses, says so on the connection. */
export async function enqueue(job: Job, delaySeconds = 0) {
  try {
    await Queue.send(Queue.verification(), job, delaySeconds);
  } catch (err) {
    const message = "The verification could not be queued; send the request again";
    await settle(job, { kind: "unreachable", message }).catch(() => false);
    throw new VisibleError("unavailable", "queue_unavailable", message, undefined, { cause: err });
  }
}

/** Queues a re-check of the stored credentials (see `recheckRequested`); undefined if the connection is gone. */
export async function recheck(
  orgId: string,
  id: string,
  by: Audit.Actor,
  { delaySeconds = 0, seen }: { delaySeconds?: number; seen?: Store.Item } = {},
) {
  const jobId = randomUUID();
  const done = await Store.change(orgId, id, (item) => recheckRequested(item, by, { now: now(), jobId }), seen);
  if (!done || done.after === "delete") return undefined;
  if (!done.after) return toInfo(done.before);
  await enqueue({ orgId, connectionId: id, jobId }, delaySeconds);
  return toInfo(done.after);
}

/** The connection a job is for, while the job is still its current one; undefined when stale. */
export async function pendingJob(job: Job) {
  const item = await Store.load(job.orgId, job.connectionId);
  return item?.job?.id === job.jobId ? { ...item.job, item } : undefined;
}
export type Pending = NonNullable<Awaited<ReturnType<typeof pendingJob>>>;

/** Records a verification's outcome (see `settled`). Returns whether it applied. */
export async function settle(job: Job, outcome: Outcome, pending?: Pending): Promise<boolean> {
  const done = await Store.change(
    job.orgId,
    job.connectionId,
    (item) => settled(item, job.jobId, outcome, now()),
    pending?.item,
  );
  return done?.after !== undefined;
}

/** Queues the scheduled re-check of each active connection, the i-th after `delays[i]` seconds. */
export async function recheckAll(items: readonly Store.Item[], delays: readonly number[]) {
  const by = { type: "system", reason: "scheduled re-verification" } as const;
  await inTens(items, (item, i) => recheck(item.orgId, item.id, by, { delaySeconds: delays[i] ?? 0, seen: item }));
}

/**
 * Verifications in flight for too long lost their job (it never ran, or no dead-letter handler
 * saw it): a re-check is queued again; a new token, gone with its job, is settled as failed so
 * that nothing stays pending forever.
 */
export async function resolveStale(items: readonly Store.Item[]) {
  await inTens(items, async (item) => {
    if (!item.job) return;
    const job = { orgId: item.orgId, connectionId: item.id, jobId: item.job.id };
    if (item.job.purpose === "recheck") {
      await settle(job, { kind: "unreachable", message: "The verification did not complete" });
      // The scheduled re-verification will ask again; this sweep goes on with the others.
      await recheck(item.orgId, item.id, { type: "system", reason: "stale verification" }).catch((err) =>
        log.warn("stale re-check could not be queued again", {
          connectionId: item.id,
          error: err instanceof Error ? err.name : "unknown",
        }),
      );
    } else
      await settle(job, {
        kind: "unreachable",
        message: "The verification did not complete, and its token is no longer held: send the credentials again.",
      });
  });
}

/** Runs `each` over the items ten at a time: a page finishes well within its Lambda's time. */
async function inTens<T>(items: readonly T[], each: (item: T, i: number) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += 10)
    await Promise.all(items.slice(i, i + 10).map((item, j) => each(item, i + j)));
}
