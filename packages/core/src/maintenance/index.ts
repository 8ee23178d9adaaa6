/**
 * Scheduled maintenance that finishes however much is due: a run queues one page per shard of
 * the maintenance index, and each page handles its items and queues the next page, so no Lambda
 * loops over the whole index and the work spreads over as many invocations as it needs.
 * Re-checks and reconciles are spread at a global rate, so that Railway sees a steady trickle,
 * not a burst.
 */
import * as z from "zod/mini";
import * as Connection from "../connection/index.ts";
import * as Layout from "../layout/index.ts";
import { log } from "../log/index.ts";
import * as Policy from "../policy/index.ts";
import * as Queue from "../queue/index.ts";
import * as ReconcilePolicy from "../sync/policy/index.ts";
import * as Reconcile from "../sync/reconcile.ts";

/** `reconcile`: every auto-sync's job, so that its run compares Railway with the source (../sync/reconcile.ts). */
export const Task = z.enum(["reverify", "sweep", "reconcile"]);
export type Task = z.infer<typeof Task>;

/** One page of one shard of a run: what the maintenance queue carries (ids and times only). */
export const PageJob = z.object({
  task: Task,
  shard: z.string(),
  /** Items whose index time is before this are due (ISO-8601). */
  before: z.string(),
  /** When the run began (epoch ms): re-checks are scheduled from then at the shard's rate. */
  startedAt: z.number(),
  /** How many items of this shard the run has handled before this page. */
  offset: z.int(),
  /** Where the previous page stopped (DynamoDB's LastEvaluatedKey, as JSON). */
  after: z.optional(z.string()),
});
export type PageJob = z.infer<typeof PageJob>;

/** SQS delays a message at most this long. */
const maxDelaySeconds = 900;
/** A continuation is queued this long before its first item is due. */
const leadSeconds = 60;

/**
 * The schedule of one page, pure: how many items it may take (no more than fit in SQS's longest
 * delay at the shard's rate), each one's delay in seconds from now, and when the next page should
 * run. `perSecond` 0 means no spreading (everything at once).
 */
export function plan(opts: { offset: number; pageSize: number; perSecond: number; elapsedSeconds: number }) {
  const { offset, perSecond, elapsedSeconds } = opts;
  if (perSecond <= 0) return { take: opts.pageSize, delay: (_i: number) => 0, nextDelaySeconds: 0 };
  const take = Math.max(1, Math.min(opts.pageSize, Math.floor(maxDelaySeconds * perSecond) - leadSeconds * perSecond));
  const dueAt = (k: number) => k / perSecond - elapsedSeconds;
  const delay = (i: number) => Math.min(maxDelaySeconds, Math.max(0, Math.floor(dueAt(offset + i))));
  const nextDelaySeconds = Math.min(maxDelaySeconds, Math.max(0, Math.floor(dueAt(offset + take) - leadSeconds)));
  return { take, delay, nextDelaySeconds };
}

const kinds = { reverify: "ACTIVE", sweep: "JOB", reconcile: "SYNC" } as const satisfies Record<
  Task,
  Layout.MaintenanceKind
>;

const minutesAgo = (minutes: number, now: number) => new Date(now - minutes * 60_000);

/**
 * When an item becomes due: a verification in flight for longer than any retry schedule takes; an
 * active connection last verified a day ago; every auto-sync made before the run (once a period).
 */
const dueBefore = (task: Task, now: number) => {
  const settings = Policy.settings();
  if (task === "reconcile") return new Date(now);
  return task === "sweep"
    ? minutesAgo(settings.staleAfterMinutes, now)
    : minutesAgo(60 * settings.reverifyAfterHours, now);
};

/** Starts a run: one page job per shard. Returns how many it queued. */
export async function start(task: Task, now = Date.now(), before = dueBefore(task, now)) {
  const shards = Layout.maintenanceKeys(kinds[task]);
  await Promise.all(
    shards.map((shard) =>
      Queue.send(Queue.maintenance(), {
        task,
        shard,
        before: before.toISOString(),
        startedAt: now,
        offset: 0,
      } satisfies PageJob),
    ),
  );
  log.info("maintenance run started", { task, shards: shards.length });
  return shards.length;
}

/** The global rate of a task's re-checks, shared evenly by the shards (0: the sweep, all at once). */
export const perShard = (task: Task) =>
  ({
    reverify: Policy.settings().reverifyPerSecond,
    reconcile: ReconcilePolicy.settings().perSecond,
    sweep: 0,
  })[task] / Layout.maintenanceShards;

/** Handles one page and queues the next if the shard has more. Returns how many items it handled. */
export async function page(job: PageJob, now = Date.now()) {
  const settings = Policy.settings();
  const schedule = plan({
    offset: job.offset,
    pageSize: settings.maintenancePageSize,
    perSecond: perShard(job.task),
    elapsedSeconds: (now - job.startedAt) / 1000,
  });
  const after = job.after ? (JSON.parse(job.after) as Record<string, unknown>) : undefined;
  const delays = (items: readonly unknown[]) => items.map((_, i) => schedule.delay(i));
  let found: { items: readonly unknown[]; next: Record<string, unknown> | undefined };
  if (job.task === "reconcile") {
    const syncs = await Reconcile.due(job.shard, job.before, schedule.take, after);
    await Reconcile.requestAll(syncs.items, delays(syncs.items));
    found = syncs;
  } else {
    const connections = await Connection.due(job.shard, job.before, schedule.take, after);
    if (job.task === "reverify") await Connection.recheckAll(connections.items, delays(connections.items));
    else await Connection.resolveStale(connections.items);
    found = connections;
  }
  if (found.next)
    await Queue.send(
      Queue.maintenance(),
      { ...job, offset: job.offset + found.items.length, after: JSON.stringify(found.next) } satisfies PageJob,
      schedule.nextDelaySeconds,
    );
  return found.items.length;
}

/** The maintenance queue's job: a page, from its message body. */
export async function run(body: string) {
  const job = Queue.parse(PageJob, body, "maintenance page");
  if (job) await page(job);
}
