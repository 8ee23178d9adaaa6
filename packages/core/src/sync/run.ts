/**
 * The sync worker: one queued job in, Railway brought in line with the source (or the synced
 * names imported or removed), the outcome on the sync. Every attempt reads Railway again and
 * computes the difference anew, so a mutation that may have been applied is never re-sent blindly.
 */
import { randomUUID } from "node:crypto";
import * as Connection from "../connection/index.ts";
import { recheck } from "../connection/jobs.ts";
import * as ConnectionStore from "../connection/store.ts";
import * as Layout from "../layout/index.ts";
import { log } from "../log/index.ts";
import * as Policy from "../policy/index.ts";
import * as Queue from "../queue/index.ts";
import * as Railway from "../railway/index.ts";
import * as Variables from "../railway/variables/index.ts";
import * as RateLimit from "../ratelimit/index.ts";
import { maxValueBytes } from "../secret/schema.ts";
import { drifted, isQuiet, type Mode, type Plan, plan, readersOf, removal, sealedAmong } from "./diff.ts";
import type { Item } from "./item.ts";
import * as KeySchema from "./key-schema.ts";
import { type Job, Job as JobSchema } from "./schema.ts";
import { source } from "./secrets.ts";
import { FolderRefused } from "./source.ts";
import * as Store from "./store.ts";
import {
  bound,
  current,
  destinationOf,
  finished,
  leased,
  managing,
  type Result,
  released,
  waiting,
} from "./transition.ts";

const now = () => new Date().toISOString();

const policy = /* @__PURE__ */ Policy.settings();
const leaseSeconds = Layout.queues.sync.workerTimeoutSeconds;

const backoffSeconds = (attempt: number, retryAfter = 0) => {
  const ceiling = Math.min(policy.retryBaseSeconds * 2 ** (attempt - 1), Policy.maxBackoffSeconds);
  return Math.max(Math.ceil(ceiling / 2 + (Math.random() * ceiling) / 2), retryAfter);
};

/** Railway refused the request and the reason is known: the job fails with this message. */
class Refused extends Error {}

export async function run(body: string, delivery: Queue.Delivery): Promise<void> {
  const job = Queue.parse(JobSchema, body, "secret sync");
  if (!job) return;
  const context = { syncId: job.syncId, orgId: job.orgId, jobId: job.jobId, kind: job.kind, attempt: delivery.attempt };

  let lease: ReturnType<typeof leased> = { kind: "stale" };
  const taken = await Store.change(job.orgId, job.syncId, (item) => {
    lease = leased(item, job, new Date(), leaseSeconds);
    return lease.kind === "go" ? { next: lease.next } : undefined;
  });
  const got = lease as ReturnType<typeof leased>;
  if (got.kind === "busy") {
    // Another job is at Railway: this one comes back once that one's lease is over, and
    // skips then if that one already did its work. A new message keeps this one's receive count.
    const wait = Math.min(60, Math.max(1, Math.ceil((Date.parse(got.until) - Date.now()) / 1000)));
    await Queue.send(Queue.syncs(), job, wait);
    log.info("secret sync busy; job deferred", { ...context, retryInSeconds: wait });
    return;
  }
  if (got.kind === "stale" || !taken?.after || taken.after === "delete") {
    log.info("secret sync job has nothing to do (superseded, done or gone); skipped", context);
    return;
  }
  const item = taken.after;

  let result: Result;
  try {
    const until = await RateLimit.admit(item.connectionId, RateLimit.costs.sync);
    if (until !== undefined) throw new Railway.RateLimited(new Date(until).toISOString());
    result = await RateLimit.metered(item.connectionId, () => perform(job, item));
  } catch (err) {
    if (err instanceof Refused || err instanceof FolderRefused) result = { status: "failed", message: err.message };
    else if (
      err instanceof Railway.RateLimited &&
      RateLimit.mayHold(delivery.heldSince, Date.now(), Policy.maxHoldHours)
    )
      return hold(job, delivery, Date.parse(err.until), context);
    else if (err instanceof Railway.Unreachable && delivery.attempt >= policy.maxAttempts)
      result = {
        status: "failed",
        message: `The sync could not run (${err.message}; ${delivery.attempt} attempts). Nothing is lost: the next change or a manual sync tries again.`,
      };
    else {
      await Store.change(job.orgId, job.syncId, (i) => {
        const next = released(i, job.jobId);
        return next ? { next } : undefined;
      });
      if (err instanceof Railway.Unreachable) {
        const delay = backoffSeconds(delivery.attempt, err.retryAfterSeconds);
        log.warn("secret sync could not run yet; it will be retried", {
          ...context,
          reason: err.message,
          retryInSeconds: delay,
        });
        await Queue.retryAfter(Queue.syncs(), delivery.receiptHandle, delay);
      }
      throw err;
    }
  }
  await settle(job, result);
  log.info("secret sync settled", { ...context, status: result.status });
}

/**
 * Railway's rate limit for the connection's token is spent: the sync says until when it waits,
 * and the job is sent again for then (in steps of at most 15 minutes), keeping the attempts it
 * had spent; a change made meanwhile is synced by the job it queued, as ever.
 */
async function hold(job: Job, delivery: Queue.Delivery, until: number, context: Record<string, unknown>) {
  const message = RateLimit.waitingMessage(until);
  await Store.change(job.orgId, job.syncId, (i) => {
    const next = waiting(i, job, message);
    return next ? { next } : undefined;
  });
  const delay = RateLimit.delaySeconds(until, Date.now());
  await Queue.hold(Queue.syncs(), job, delivery, delay);
  log.info("Railway's rate limit is spent; secret sync held", {
    ...context,
    until: new Date(until).toISOString(),
    retryInSeconds: delay,
  });
}

/**
 * The job's outcome on the sync, with its audit entry and event; a removal that deletes the
 * sync deletes it then. `takeOver`: for a dead-lettered job, which holds no lease (unless another job does).
 */
async function settle(job: Job, result: Result, takeOver = false) {
  let after: Item | undefined;
  await Store.change(job.orgId, job.syncId, (i) => {
    if (takeOver && (!current(i, job) || (i.lease && i.lease.jobId !== job.jobId))) return undefined;
    const held = takeOver ? { ...i, lease: { jobId: job.jobId, until: "" } } : i;
    const next = finished(held, job, result, now());
    if (!next) return undefined;
    const type = result.status === "succeeded" ? "secret-sync.succeeded" : "secret-sync.failed";
    const audit: Store.AuditRecord = {
      action: type,
      actor: { type: "system", reason: "secret sync" },
      details: { kind: job.kind, jobId: job.jobId, message: result.message },
    };
    if (job.kind === "remove" && next.deleting && result.status === "succeeded")
      return { next: "delete", audit: { ...audit, action: "secret-sync.deleted" } };
    after = next;
    // A reconcile that found the sync in line, as it was, is no news: no audit entry, no event.
    if (job.reconcile && result.status === "succeeded" && result.quiet) return { next };
    const drift = result.drifted?.length
      ? [{ type: "secret-sync.drift-corrected" as const, keys: result.drifted }]
      : [];
    return { next, audit, ...(job.kind === "sync" ? { event: [{ type }, ...drift] } : {}) };
  });
  // A request made while this job was at Railway found the sync busy and waits out the lease (up
  // to a minute): its sync of the latest state runs now instead, and that job finds it done.
  const waiting = after as Item | undefined;
  if (job.kind === "sync" && waiting && waiting.wanted > waiting.done && !waiting.deleting)
    await Queue.send(Queue.syncs(), {
      orgId: job.orgId,
      syncId: job.syncId,
      jobId: randomUUID(),
      kind: "sync",
      generation: waiting.wanted,
    } satisfies Job);
}

/** For a job that exhausted its deliveries: the sync says so instead of staying pending. */
export async function abandon(body: string) {
  const job = Queue.parse(JobSchema, body, "secret sync");
  if (!job) return;
  const message = "The sync failed repeatedly on our side; run it again, and if it keeps failing contact support.";
  await settle(job, { status: "failed", message }, true);
  log.error("secret sync job dead-lettered", { syncId: job.syncId, orgId: job.orgId });
}

/**
 * Why the sync may not use this connection (it is gone, not active, or another project's), or
 * undefined. `pending`: the connection is still being verified, which the sync waits for.
 */
function unusable(connection: ConnectionStore.Item | undefined, item: Item): string | undefined {
  if (!connection) return "The sync's Railway connection no longer exists.";
  if (connection.status === "pending" || (connection.job && !connection.sealedCredentials)) return "pending";
  if (connection.status !== "active")
    return `The connection "${connection.name}" is ${connection.status}${connection.statusMessage ? `: ${connection.statusMessage}` : ""}`;
  if (connection.projectId !== null && connection.projectId !== item.projectId)
    return `The connection "${connection.name}" belongs to another project than the sync's.`;
  return undefined;
}

const sameCredentials = (a: ConnectionStore.Item, b: ConnectionStore.Item) =>
  a.method === b.method &&
  !!a.sealedCredentials &&
  !!b.sealedCredentials &&
  Buffer.from(a.sealedCredentials).equals(Buffer.from(b.sealedCredentials));

/** Railway was read and the plan made, but the sync or its connection changed since: nothing is written. */
class Unbound extends Error {}

async function perform(job: Job, item: Item): Promise<Result> {
  if (job.kind === "import" && item.recursive)
    throw new Refused("Nothing was imported: a sync of sub-folders has no one folder to import into.");
  const connection = await ConnectionStore.load(item.orgId, item.connectionId);
  const why = unusable(connection, item);
  // Scripts create a sync right after its connection: the sync waits for the verification.
  if (why === "pending")
    throw new Railway.Unreachable(`the connection "${connection?.name}" is still being verified`, 2);
  if (why || !connection) throw new Refused(why);
  const token = await Connection.Credentials.open(connection, "secret sync", {
    type: "system",
    reason: `secret sync ${item.id}`,
  });
  if (!token) throw new Refused(`The connection "${connection.name}" holds no credentials.`);
  const method = connection.method;
  const scope = item.destinationConfig;
  const destination = destinationOf(scope);

  /**
   * Right before the first write: the connection is still the one the run opened (not deleted,
   * deactivated or moved to another project, the same credentials), and the sync still points
   * where the run read; the names about to be written are recorded as managed in the same step.
   */
  const beforeWriting = async (names: readonly string[] = []) => {
    const now = await ConnectionStore.load(item.orgId, item.connectionId);
    const changed = unusable(now, item);
    if (changed === "pending" || (now && !changed && !sameCredentials(connection, now)))
      throw new Railway.Unreachable("the connection's credentials changed while the sync ran", 1);
    if (changed) throw new Refused(`${changed.replace(/\.$/, "")}; nothing was written.`);
    let still = false;
    await Store.change(item.orgId, item.id, (i) => {
      still = bound(i, job.jobId, destination);
      const next = still ? managing(i, job.jobId, names, destination) : undefined;
      return next ? { next } : undefined;
    });
    if (!still) throw new Unbound();
  };

  try {
    return { ...(await apply(job, item, method, token, scope, beforeWriting)), destination };
  } catch (err) {
    if (err instanceof Unbound) return { status: "failed", message: "Nothing was written.", destination };
    if (!(err instanceof Railway.Rejected)) throw err;
    const verdict = await Railway.verifyToken(method, token);
    if (verdict.ok)
      throw new Refused(`Railway refused the destination: ${await Variables.outOfReach(method, token, scope)}.`);
    // As re-verification does: the connection shows as failed once its check settles.
    await recheck(connection.orgId, connection.id, { type: "system", reason: `secret sync ${item.id}` }).catch((e) =>
      log.warn("re-verification after a rejected sync could not be queued", {
        error: e instanceof Error ? e.name : "unknown",
      }),
    );
    throw new Refused(`Railway rejected the connection's token: ${verdict.message}`);
  }
}

async function apply(
  job: Job,
  item: Item,
  method: Railway.Method,
  token: string,
  scope: Variables.Scope,
  beforeWriting: (names?: readonly string[]) => Promise<void>,
): Promise<Omit<Result, "destination">> {
  const destination = await Variables.read(method, token, scope);
  if (job.kind === "remove") {
    const names = removal(destination, item.managedKeys);
    const sealed = sealedAmong(destination, item.managedKeys);
    if (names.length > 0) await beforeWriting();
    for (const name of names) await Variables.remove(method, token, scope, name);
    const left = sealed.length
      ? ` Left alone: ${listed(sealed.map((name) => `${shown(name)} (${reasons.sealed})`))}.`
      : "";
    return { status: "succeeded", message: `Removed ${count(names.length)} from Railway.${left}`, managedKeys: [] };
  }

  const folder = {
    orgId: item.orgId,
    projectId: item.projectId,
    environment: item.environment,
    secretPath: item.secretPath,
    recursive: item.recursive === true,
  };
  const mode: Mode =
    job.kind === "import"
      ? { kind: "import", behavior: job.importBehavior ?? "prioritize-source" }
      : item.lastSyncedAt === null
        ? { kind: "initial", behavior: item.syncOptions.initialSyncBehavior }
        : { kind: "sync" };
  const difference = plan({
    source: await source().read(folder),
    destination,
    managed: item.managedKeys,
    keySchema: KeySchema.parse(item.syncOptions.keySchema, item.environment),
    disableSecretDeletion: item.syncOptions.disableSecretDeletion,
    mode,
  });
  if (difference.refused)
    throw new Refused(
      `Nothing was written: Railway would read ${nameList(difference.refused)} as a reference to other variables, since ${difference.refused.length === 1 ? "its value holds" : "their values hold"} "\${{" and Railway offers no way to escape it. Change ${difference.refused.length === 1 ? "it" : "them"}, then sync again.`,
    );
  const written = Object.keys(difference.upsert);
  const imported = Object.keys(difference.imports).length;
  // Read before writing, so that a failure to read them leaves Railway as it was.
  const services = !isQuiet(difference) && !scope.serviceId ? await servicesWithVariables(method, token, scope) : [];
  const drift = job.reconcile && mode.kind === "sync" ? drifted(difference, item.managedKeys) : [];
  // Managed before written: should the worker die after the upsert, the next run still knows them.
  if (!isQuiet(difference) || imported > 0) await beforeWriting(written);
  if (imported > 0)
    await source().write(folder, difference.imports, { type: "system", reason: `secret sync ${item.id} import` });
  if (written.length > 0) await Variables.upsert(method, token, scope, difference.upsert);
  for (const name of difference.delete) await Variables.remove(method, token, scope, name);

  // Each delete already redeployed the service (Railway's variableDelete has no skipDeploys).
  let redeploy = "nothing changed, nothing redeployed";
  if (!isQuiet(difference))
    if (!scope.serviceId) redeploy = await redeployReaders(method, token, scope, services, difference, destination);
    else if (difference.delete.length > 0) redeploy = "Railway redeployed the service for the deletions";
    else {
      const latest = await Variables.latestSuccessfulDeployment(method, token, {
        ...scope,
        serviceId: scope.serviceId,
      });
      if (latest) {
        await Variables.redeploy(method, token, latest);
        redeploy = "redeployed the latest successful deployment";
      } else redeploy = "the service has no successful deployment to redeploy";
    }
  const left = difference.skipped.filter((s) => !unimportable.has(s.reason));
  const refused = difference.skipped.filter((s) => unimportable.has(s.reason));
  const skipped =
    (left.length ? ` Left alone: ${listed(left.map((s) => `${shown(s.key)} (${reasons[s.reason]})`))}.` : "") +
    (refused.length
      ? ` Not imported, as the secrets store would refuse them: ${listed(refused.map((s) => `${shown(s.key)} (${reasons[s.reason]})`))}.`
      : "");
  const restored = drift.length ? ` Corrected drift (Railway differed from the source): ${nameList(drift)}.` : "";
  const message =
    job.kind === "import"
      ? `Imported ${count(imported)} from Railway.${skipped}`
      : `Wrote ${count(written.length)}, deleted ${count(difference.delete.length)}${imported ? `, imported ${count(imported)}` : ""}; ${redeploy}.${restored}${skipped}`;
  return {
    status: "succeeded",
    message,
    managedKeys: difference.managedAfter,
    quiet: isQuiet(difference) && imported === 0,
    ...(drift.length ? { drifted: drift } : {}),
  };
}

type ServiceVariables = { id: string; name: string; variables: Record<string, string | null> };

/** Every service of the scope's environment with its variables, unrendered: one request each, after the listing. */
async function servicesWithVariables(method: Railway.Method, token: string, scope: Variables.Scope) {
  const services: ServiceVariables[] = [];
  for (const service of await Variables.servicesIn(method, token, scope))
    services.push({ ...service, variables: await Variables.read(method, token, { ...scope, serviceId: service.id }) });
  return services;
}

/**
 * After a change to shared variables (written with skipDeploys): each service that reads a
 * changed name (`${{shared.NAME}}`, directly or through other variables) is redeployed once, and
 * no other. A service that reads
 * a deleted name is left to Railway, whose variableDelete redeploys the services it affects (it
 * has no skipDeploys); since the upsert came first, that deploy carries the new values too.
 */
async function redeployReaders(
  method: Railway.Method,
  token: string,
  scope: Variables.Scope,
  services: readonly ServiceVariables[],
  difference: Plan,
  shared: Record<string, string | null>,
): Promise<string> {
  const byDeletes = readersOf(services, difference.delete, shared);
  const readers = readersOf(services, Object.keys(difference.upsert), shared).filter((s) => !byDeletes.includes(s));
  const redeployed: string[] = [];
  const undeployed: string[] = [];
  for (const reader of readers) {
    const latest = await Variables.latestSuccessfulDeployment(method, token, { ...scope, serviceId: reader.id });
    if (latest) {
      await Variables.redeploy(method, token, latest);
      redeployed.push(reader.name);
    } else undeployed.push(reader.name);
  }
  const said = [
    redeployed.length ? `redeployed ${listed(redeployed.map(shown))}, which read the changed shared variables` : "",
    byDeletes.length
      ? `Railway's deletes redeploy ${listed(byDeletes.map((s) => shown(s.name)))}, which read a deleted one`
      : "",
    undeployed.length
      ? `${listed(undeployed.map(shown))} read${undeployed.length === 1 ? "s" : ""} them but ${undeployed.length === 1 ? "has" : "have"} no successful deployment to redeploy`
      : "",
  ].filter(Boolean);
  return said.length ? said.join("; ") : "no service reads the changed shared variables, none redeployed";
}

const reasons = {
  reserved: "Railway's own",
  reference: "a reference",
  "set-by-hand": "set by hand",
  sealed: "sealed",
  "invalid-name": "not a valid secret name",
  "too-large": `value over ${maxValueBytes} bytes`,
} as const;
const unimportable = new Set<string>(["invalid-name", "too-large"]);
const count = (n: number) => `${n} secret${n === 1 ? "" : "s"}`;

/**
 * A name as a message shows it: at most 64 characters, and quoted (JSON's escapes, `<` and `>`
 * too) unless it is a plain name, so that whatever Railway allows in a name reads as data.
 */
function shown(name: string) {
  const chars = [...name];
  const cut = chars.length > 64 ? `${chars.slice(0, 64).join("")}…` : name;
  return /^[A-Za-z0-9_-]+$/.test(name) ? cut : JSON.stringify(cut).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
}
/** At most 20 items, then how many more. */
const listed = (items: string[]) =>
  items.length > 20 ? `${items.slice(0, 20).join(", ")} and ${items.length - 20} more` : items.join(", ");
const nameList = (secrets: string[]) => listed(secrets.map(shown));
