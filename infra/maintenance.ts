import * as Layout from "../packages/core/src/layout/index.ts";
import * as Policy from "../packages/core/src/policy/index.ts";
import * as ReconcilePolicy from "../packages/core/src/sync/policy/index.ts";
import { code } from "./bundle";
import { jobQueue, maintenancePageQueue, maintenanceQueue, sendWebhookJobs, verifyQueue, webhookQueue } from "./queue";
import { sendSyncJobs, syncQueue } from "./syncs";
import { table } from "./table";

/** An EventBridge rate, in the unit it reads best in (EventBridge wants "1 hour", not "1 hours"). */
const every = (minutes: number): `rate(${string})` => {
  const [n, unit] = minutes % 60 === 0 ? [minutes / 60, "hour"] : [minutes, "minute"];
  return `rate(${n} ${unit}${n === 1 ? "" : "s"})`;
};

/**
 * The safety nets of the pipeline (functions/maintenance.ts): every 5 minutes, settle
 * verifications whose job was lost; every hour, queue re-checks of connections last verified
 * over a day ago, at a steady global rate; once a period, queue every auto-sync's reconcile. A
 * scheduled run only queues one page per shard of the maintenance index; the pages, and the pages
 * they queue, run on the maintenance queue. None of it touches a token: it reads and writes the
 * table and queues jobs, so it gets no key permission.
 */
const maintenanceFunction = (relaysEvents = false) => ({
  ...code("maintenance"),
  memory: "256 MB" as const,
  timeout: "60 seconds" as const,
  link: [table, verifyQueue, maintenanceQueue, ...(relaysEvents ? [webhookQueue, syncQueue] : [])],
  permissions: [
    { actions: ["sqs:SendMessage"], resources: [jobQueue.arn] },
    { actions: ["sqs:SendMessage"], resources: [maintenancePageQueue.arn] },
    // The outbox's sweep hands events to the stream's subscribers (functions/subscribers.ts):
    // it queues what they queue, as the stream relay does (infra/stream.ts).
    ...(relaysEvents ? [sendWebhookJobs(), sendSyncJobs()] : []),
  ],
});
const task = (
  name: string,
  schedule: `rate(${string})`,
  which: "sweep" | "reverify" | "relay-webhooks",
  description: string,
) =>
  new sst.aws.Cron(name, {
    schedule,
    event: { task: which },
    function: { ...maintenanceFunction(which === "relay-webhooks"), description },
  });

export const sweep = task(
  "SweepStale",
  every(Policy.sweepEveryMinutes),
  "sweep",
  "Railway App Connections: settles lost verifications",
);
export const reverify = task(
  "Reverify",
  every(Policy.reverifyEveryMinutes),
  "reverify",
  "Railway App Connections: re-checks connections verified over a day ago",
);

// The table's stream relays each event within seconds (infra/stream.ts). This only sweeps up
// what the stream lost (a record past its 24 h retention, retries exhausted), so it runs
// slowly (every 15 minutes, over events older than 5): a lost record is rare, and a sweep that
// ran as often as the stream delivers would only race it. Delivery never waits on it.
export const relay = task(
  "RelayWebhooks",
  every(Layout.outboxSweep.everyMinutes),
  "relay-webhooks",
  "Railway App Connections: relays the events the stream left in the outbox (webhooks, secret syncs)",
);

// Every auto-sync once a period (SYNC_RECONCILE_SECONDS), fanned out by the pages at
// SYNC_RECONCILE_PER_SECOND. The run only queues one page per shard: it needs the maintenance
// queue and nothing else (no table, no other queue).
export const reconcile = new sst.aws.Cron("Reconcile", {
  schedule: every(ReconcilePolicy.everyMinutes()),
  event: { task: "reconcile" },
  function: {
    ...code("maintenance"),
    memory: "256 MB",
    timeout: "60 seconds",
    description: "Railway App Connections: reconciles every auto-sync with Railway (drift, lost triggers)",
    link: [maintenanceQueue],
    permissions: [{ actions: ["sqs:SendMessage"], resources: [maintenancePageQueue.arn] }],
  },
});

/**
 * The pages of every run: each handles up to a page of one shard and queues the next. A
 * reconcile's page queues the syncs' jobs, so it may send to the sync queue too.
 */
export const pages = maintenancePageQueue.subscribe(
  {
    ...maintenanceFunction(),
    link: [...maintenanceFunction().link, syncQueue],
    permissions: [...maintenanceFunction().permissions, sendSyncJobs()],
    environment: { SYNC_RECONCILE_PER_SECOND: String(ReconcilePolicy.settings().perSecond) },
    description: "Railway App Connections: maintenance pages (re-checks, stale sweeps, reconciles)",
  },
  { batch: { size: 10, partialResponses: true } },
);
