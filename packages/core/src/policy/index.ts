/**
 * How verification retries, in one place: the worker, the maintenance schedules, infra/ and the
 * local run all read these numbers. Plain constants, so that infra/ can import this module; the
 * worker's environment may override the ones named in `settings`.
 */
import * as Env from "../env/index.ts";

/** The worker's time limit: a job makes at most four requests to Railway, each cut at 10 s. */
export const workerTimeoutSeconds = 60;
/** Deliveries after which the worker itself gives up on an unreachable provider. */
export const maxAttempts = 5;
/** The first retry's delay; it doubles each attempt, with jitter, up to `maxBackoffSeconds`. */
export const retryBaseSeconds = 10;
export const maxBackoffSeconds = 900;

/**
 * The delay before delivery `attempt` + 1: exponential backoff with jitter (a random 50–100 % of
 * `base` × 2^(attempt − 1), capped), never sooner than Railway's Retry-After.
 */
export function backoffSeconds(base: number, attempt: number, retryAfter = 0, random = Math.random()) {
  const ceiling = Math.min(base * 2 ** (attempt - 1), maxBackoffSeconds);
  return Math.max(Math.ceil(ceiling / 2 + (random * ceiling) / 2), retryAfter);
}
/**
 * How long a job may wait for Railway's rate limit without spending its attempts (a Free token's
 * window is an hour); past it, a 429 is an outage like any other, so that a job ends.
 */
export const maxHoldHours = 24;
/** AWS's rule for Lambda consumers: at least six times the function's timeout. */
export const visibilityTimeoutSeconds = 6 * workerTimeoutSeconds;
/**
 * Receives before the dead-letter queue: above the worker's own attempts, so that outages end in
 * the worker's message and only jobs that crash the worker again and again are dead-lettered.
 */
export const deadLetterAfter = maxAttempts + 3;
/** A verification in flight for longer than any retry schedule takes has lost its job. */
export const staleAfterMinutes = 30;
export const sweepEveryMinutes = 5;
/** Active connections are checked again once their last verification is this old. */
export const reverifyAfterHours = 24;
export const reverifyEveryMinutes = 60;
/**
 * Re-checks queued per second across all shards, a steady trickle towards Railway. At 20 a
 * second a day holds 1.7 million, so one daily re-check of a million connections fits.
 */
export const reverifyPerSecond = 20;
/** The most connections one maintenance page takes (a run pages on until none is due). */
export const maintenancePageSize = 100;

/** What the running code uses: the environment's value where one is set, read at start-up. */
export const settings = () => ({
  maxAttempts: Env.number("VERIFY_MAX_ATTEMPTS", maxAttempts),
  retryBaseSeconds: Env.number("VERIFY_RETRY_BASE_SECONDS", retryBaseSeconds),
  staleAfterMinutes: Env.number("STALE_VERIFICATION_MINUTES", staleAfterMinutes),
  reverifyAfterHours: Env.number("REVERIFY_AFTER_HOURS", reverifyAfterHours),
  reverifyPerSecond: Env.number("REVERIFY_PER_SECOND", reverifyPerSecond),
  maintenancePageSize: Math.max(1, Env.number("MAINTENANCE_PAGE_SIZE", maintenancePageSize)),
});
