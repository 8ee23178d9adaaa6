/** The worker side of the pipeline: one queued job in, one settled connection out. */
import * as App from "../app/index.ts";
import * as Connection from "../connection/index.ts";
import { log } from "../log/index.ts";
import * as Policy from "../policy/index.ts";
import * as Queue from "../queue/index.ts";
import * as RateLimit from "../ratelimit/index.ts";

const policy = /* @__PURE__ */ Policy.settings();

/**
 * Verifies one job. Throws only when the job should be delivered again (Railway unreachable
 * with attempts left, or an AWS fault); the message's visibility is set to the backoff first.
 */
export async function run(body: string, delivery: Queue.Delivery): Promise<void> {
  const job = Queue.parse(Connection.Job, body, "verification");
  if (!job) return;
  const context = { connectionId: job.connectionId, orgId: job.orgId, jobId: job.jobId, attempt: delivery.attempt };
  const pending = await Connection.pendingJob(job);
  if (!pending) {
    log.info("verification job is stale or already settled; skipped", context);
    return;
  }
  const { sealedToken } = job;
  // A new token has a budget of its own: the stored one is the connection's current token's.
  const until = sealedToken ? undefined : await RateLimit.admit(job.connectionId, RateLimit.costs.verification);
  if (until !== undefined && RateLimit.mayHold(delivery.heldSince, Date.now(), Policy.maxHoldHours))
    return hold(job, delivery, until, context);
  const token = sealedToken
    ? await Connection.Credentials.openJob({ ...job, sealedToken })
    : await Connection.Credentials.open(pending.item, "verification");
  if (!token) {
    await Connection.settle(job, { kind: "rejected", message: "There are no stored credentials to verify." }, pending);
    return;
  }
  // A new token is sealed again under the credential's own context; a stored one already is.
  const seal = async () =>
    sealedToken ? { sealedCredentials: await Connection.Credentials.seal(pending.item, token) } : {};

  let outcome: Connection.Outcome;
  try {
    const verdict = await RateLimit.metered(job.connectionId, () =>
      App.verify(pending.item.app, pending.method, token),
    );
    outcome = verdict.ok
      ? { kind: "verified", railway: verdict.identity, ...(await seal()) }
      : { kind: "rejected", message: verdict.message };
  } catch (err) {
    if (!(err instanceof App.Unreachable)) throw err;
    if (err instanceof App.RateLimited && RateLimit.mayHold(delivery.heldSince, Date.now(), Policy.maxHoldHours))
      return hold(job, delivery, Date.parse(err.until), context);
    if (delivery.attempt < policy.maxAttempts) {
      const delay = Policy.backoffSeconds(policy.retryBaseSeconds, delivery.attempt, err.retryAfterSeconds);
      log.warn("Railway unreachable; verification will be retried", {
        ...context,
        reason: err.message,
        retryInSeconds: delay,
      });
      await Queue.retryAfter(Queue.verification(), delivery.receiptHandle, delay);
      throw err;
    }
    // Kept sealed so that the connection can be verified again once Railway answers.
    outcome = {
      kind: "unreachable",
      message: `Railway could not be reached to verify the token (${err.message}; ${delivery.attempt} attempts). The token was not rejected: verify the connection again later.`,
      ...(await seal()),
    };
  }
  const applied = await Connection.settle(job, outcome, pending);
  log.info("verification settled", { ...context, purpose: pending.purpose, outcome: outcome.kind, applied });
}

/**
 * Railway's rate limit for the connection's token is spent: the job is sent again for when it
 * resets (in steps of at most 15 minutes), keeping the attempts it had spent.
 */
async function hold(job: Connection.Job, delivery: Queue.Delivery, until: number, context: Record<string, unknown>) {
  const delay = RateLimit.delaySeconds(until, Date.now());
  await Connection.holdJob(job.orgId, job.connectionId, job.jobId, new Date(until).toISOString());
  await Queue.hold(Queue.verification(), job, delivery, delay);
  log.info("Railway's rate limit is spent; verification held", {
    ...context,
    until: new Date(until).toISOString(),
    retryInSeconds: delay,
  });
}

/**
 * For a job that exhausted its deliveries (it reached the dead-letter queue): the connection
 * fails instead of staying pending forever.
 */
export async function abandon(body: string): Promise<void> {
  const job = Queue.parse(Connection.Job, body, "verification");
  if (!job) return;
  const applied = await Connection.settle(job, {
    kind: "unreachable",
    message:
      "The token could not be verified: the verification job failed repeatedly on our side. Send the credentials again; if it keeps failing, contact support.",
  });
  log.error("verification job dead-lettered", { connectionId: job.connectionId, orgId: job.orgId, applied });
}
