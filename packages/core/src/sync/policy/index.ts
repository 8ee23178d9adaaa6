/**
 * How often every auto-sync is compared with Railway, and at what pace: infra/ (the schedule),
 * the local run and the maintenance pages all read these. Plain constants, so that infra/ can
 * import this module; the environment may override them.
 */
import * as Env from "../../env/index.ts";

/** Each auto-sync is re-checked once in this many seconds: a schedule starts a run each period. */
export const periodSeconds = 3600;
/**
 * Reconciles queued per second across all shards: a steady trickle towards Railway (one read per
 * sync that is in line), below Railway's per-second limit of a Hobby token (10) even if every sync
 * shares one token. A period of an hour holds 18,000; more syncs need a higher rate.
 */
export const perSecond = 5;

/** What the running code uses: the environment's value where one is set. */
export const settings = () => ({
  periodSeconds: Math.max(60, Env.number("SYNC_RECONCILE_SECONDS", periodSeconds)),
  perSecond: Env.number("SYNC_RECONCILE_PER_SECOND", perSecond),
});

/** The schedule of the runs, in whole minutes (EventBridge's finest rate), never shorter than the period. */
export const everyMinutes = (seconds = settings().periodSeconds) => Math.max(1, Math.ceil(seconds / 60));
