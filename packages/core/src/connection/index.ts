/**
 * A connection's verbs: each loads the connection, calls a transition (./transition.ts) and
 * writes the step (./store.ts). Schemas in ./schema.ts, the stored item in ./item.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type * as z from "zod/mini";
import * as ApiKey from "../apikey/index.ts";
import * as App from "../app/index.ts";
import type * as Audit from "../audit/index.ts";
import * as Secrets from "../crypto/index.ts";
import { VisibleError } from "../error/index.ts";
import * as Page from "../page/index.ts";
import * as Queue from "../queue/index.ts";
import * as Credentials from "./credentials.ts";
import { now, toInfo } from "./item.ts";
import { enqueue, recheck } from "./jobs.ts";
import { type CreateInput, type Info, Name, ProjectID, type Summary, type UpdateInput } from "./schema.ts";
import * as Store from "./store.ts";
import { created, removed, updated } from "./transition.ts";

export { NameTaken, NoCredentials } from "./errors.ts";
export { type Pending, pendingJob, recheckAll, resolveStale, settle } from "./jobs.ts";
export * from "./schema.ts";
export { due, holdJob } from "./store.ts";
export type { Outcome } from "./transition.ts";
export { Credentials };

const actorOf = (actor: ApiKey.Actor): Audit.Actor => ({ type: "api-key", keyId: actor.keyId });
/**
 * `credentialsHash`: 256 random bits, new each time a client sends credentials. It tells
 * clients that the credentials changed without saying anything about them.
 */
const newHash = () => randomBytes(32).toString("hex");

const fingerprint = (orgId: string, key: string, input: CreateInput) =>
  Secrets.sha256(JSON.stringify({ orgId, key, input }));

/**
 * Stores a pending connection and queues its verification; nothing is left behind on failure.
 * With an idempotency key, a retry of the same request returns the first one's connection.
 */
export async function create(
  actor: ApiKey.Actor,
  input: CreateInput,
  idempotency?: string,
): Promise<{ connection: Info; replayed: boolean }> {
  const { orgId } = actor;
  ApiKey.assertReaches(actor, input.projectId ?? null);
  const job = { orgId, connectionId: randomUUID(), jobId: randomUUID() };
  // The token is sealed while the replay is looked up and the transaction written: neither
  // depends on it (the credentials hash is random). The job is queued once the transaction has
  // committed, so that a refused create queues nothing and a job always finds its connection.
  const sealing = Credentials.sealForJob(input.credentials.apiToken, job);
  sealing.catch(() => {}); // awaited below, or moot once a replay answers or the write is refused
  const replay = idempotency && (await replayed(actor, idempotency, input));
  if (replay) return { connection: replay, replayed: true };

  const step = created(orgId, actorOf(actor), input, {
    now: now(),
    jobId: job.jobId,
    credentialsHash: newHash(),
    id: job.connectionId,
    idempotencyKey: idempotency,
  });
  const writes = await Store.insert(step, idempotency && fingerprint(orgId, idempotency, input));
  // The same Idempotency-Key was taken meanwhile: asked again, the other request's connection answers.
  if (!writes) return create(actor, input, idempotency);
  try {
    const sealedToken = await sealing;
    await Queue.send(Queue.verification(), { ...job, sealedToken }).catch((err) => {
      throw new VisibleError(
        "unavailable",
        "queue_unavailable",
        "The verification queue is unavailable; nothing was stored, try again",
        undefined,
        { cause: err },
      );
    });
  } catch (err) {
    // Should the queue (or KMS) refuse, the rollback deletes the event too, and its deliveries
    // find nothing to send.
    await Store.rollback(writes);
    throw err;
  }
  return { connection: toInfo(step.next), replayed: false };
}

async function replayed(actor: ApiKey.Actor, idempotency: string, input: CreateInput) {
  const stored = await Store.idempotent(actor.orgId, idempotency);
  if (!stored) return undefined;
  if (stored.fingerprint !== fingerprint(actor.orgId, idempotency, input))
    throw new VisibleError(
      "unprocessable",
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request body",
    );
  return fromID(actor, stored.connectionId);
}

const notFound = (what: string) => new VisibleError("not-found", "not_found", `No Railway connection ${what}`);
const missing = (id: string) => notFound(`with id "${id}"`);

/**
 * The connection if it is of the caller's org and projects, else undefined: the one rule for
 * which connections a key may see or use (a secret sync runs only through one it reaches).
 */
export async function reachable(actor: ApiKey.Actor, id: string) {
  const item = ProjectID.safeParse(id).success ? await Store.load(actor.orgId, id) : undefined;
  return item && ApiKey.reaches(actor, item.projectId) ? item : undefined;
}

/** A connection of the caller's org and projects; anything else does not exist for it. */
async function visible(actor: ApiKey.Actor, id: string) {
  const item = await reachable(actor, id);
  if (!item) throw missing(id);
  return item;
}

/** A change of a connection the caller can see (see `Store.change`). */
async function changeVisible(actor: ApiKey.Actor, id: string, apply: Parameters<typeof Store.change>[2]) {
  const done = await Store.change(actor.orgId, id, apply, await visible(actor, id));
  if (!done) throw missing(id);
  return done;
}

export const fromID = async (actor: ApiKey.Actor, id: string) => toInfo(await visible(actor, id));

/** By name, within the project, or within the org for connections without a project. */
export async function fromName(actor: ApiKey.Actor, name: string, projectId: string | null) {
  const what = `named "${name}"${projectId ? ` in project "${projectId}"` : " outside projects"}`;
  if (!Name.safeParse(name).success || !ApiKey.reaches(actor, projectId)) throw notFound(what);
  const id = await Store.named({ orgId: actor.orgId, app: "railway", projectId, name });
  if (!id) throw notFound(what);
  return fromID(actor, id);
}

/** The caller's connections, newest first, a page at a time. */
export async function list(
  actor: ApiKey.Actor,
  opts: { projectId?: string; status?: Info["status"]; cursor?: string; limit?: number },
) {
  const projects = (opts.projectId ? [opts.projectId] : actor.projectIds)?.filter((p) => ApiKey.reaches(actor, p));
  if (projects?.length === 0) return { items: [] as Info[], cursor: null };
  return Store.page(actor.orgId, { ...opts, projects, limit: opts.limit ?? Page.Limit.default });
}

/** Every active connection the caller may use (in one project, if given), as `Summary`. */
export async function available(actor: ApiKey.Actor, projectId?: string) {
  const all: z.infer<typeof Summary>[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(actor, { projectId, status: "active", cursor, limit: Page.Limit.max });
    all.push(...page.items.map(({ app, name, id, projectId, orgId }) => ({ app, name, id, projectId, orgId })));
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return all;
}

/** Renames, describes, or sends new credentials (see `updated`). */
export async function update(actor: ApiKey.Actor, id: string, input: UpdateInput): Promise<Info> {
  const job = { orgId: actor.orgId, connectionId: id, jobId: randomUUID() };
  const sealedToken = input.credentials && (await Credentials.sealForJob(input.credentials.apiToken, job));
  const fresh = { now: now(), jobId: job.jobId, credentialsHash: newHash() };
  const done = await changeVisible(actor, id, (item) => updated(item, actorOf(actor), input, fresh));
  if (!done.after || done.after === "delete") return toInfo(done.before);
  if (sealedToken) await enqueue({ ...job, sealedToken });
  return toInfo(done.after);
}

/** Re-checks the stored credentials with Railway, in the background. */
export async function requestVerification(actor: ApiKey.Actor, id: string): Promise<Info> {
  const done = await recheck(actor.orgId, id, actorOf(actor), { seen: await visible(actor, id) });
  if (!done) throw missing(id);
  return done;
}

/** Deletes and returns the connection; a verification still in flight cannot bring it back. */
export async function remove(actor: ApiKey.Actor, id: string): Promise<Info> {
  return toInfo((await changeVisible(actor, id, (item) => removed(item, actorOf(actor), now()))).before);
}

/** The Railway projects the stored token reaches. Railway's errors are reported, never swallowed. */
export async function projects(actor: ApiKey.Actor, id: string) {
  const item = await visible(actor, id);
  const token = item.status === "active" && (await Credentials.open(item, "list-railway-projects", actorOf(actor)));
  if (!token)
    throw new VisibleError(
      "conflict",
      "not_active",
      `This connection is ${item.status}, not active: its Railway projects can be listed once its credentials are verified`,
    );
  try {
    return await App.listProjects(item.app, item.method, token);
  } catch (err) {
    if (err instanceof App.Rejected)
      throw new VisibleError(
        "conflict",
        "railway_credentials_rejected",
        `Railway rejected this connection's token (${err.message}); it may have been revoked. Verify the connection again, or send new credentials with PATCH.`,
      );
    if (err instanceof App.Unreachable)
      throw new VisibleError("upstream", "railway_unavailable", `${err.message}; try again later`);
    throw err;
  }
}
