/** A Railway App Connection, shaped like the prior art's (shared/prior-art.md). */
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import * as ApiKey from "../apikey/index.ts";
import * as Audit from "../audit/index.ts";
import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";
import { log } from "../log/index.ts";
import * as Page from "../page/index.ts";
import * as Queue from "../queue/index.ts";
import * as Railway from "../railway/index.ts";
import * as Webhook from "../webhook/index.ts";

export const Name = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(32),
    z.regex(/^[a-z0-9-]+$/, "must be a slug: lowercase letters, digits and hyphens only"),
  );
const Description = z.nullish(z.string().check(z.maxLength(256)));
const ProjectID = z.uuid();
const Credentials = z.object({
  apiToken: z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(255),
    // What an HTTP header can carry: anything else could only fail in fetch, whose error quotes it.
    z.regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters without spaces"),
    z.meta({ example: "[TEAM TOKEN]" }),
  ),
});
const NotPlatformManaged = z.optional(
  z.literal(false, { error: "Railway connections cannot use platform-managed credentials" }),
);

export const CreateInput = z
  .object({
    name: Name.check(z.meta({ example: "my-railway-connection" })),
    description: Description,
    method: Railway.Method,
    projectId: z.optional(ProjectID).check(z.meta({ example: "7ffbb072-2575-495a-b5b0-127f88caef78" })),
    isPlatformManagedCredentials: NotPlatformManaged,
    credentials: Credentials,
  })
  .check(
    z.meta({
      id: "CreateRailwayConnection",
      example: {
        name: "my-railway-connection",
        method: "team-token",
        projectId: "7ffbb072-2575-495a-b5b0-127f88caef78",
        credentials: { apiToken: "[TEAM TOKEN]" },
      },
    }),
  );
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z
  .object({
    name: z.optional(Name),
    description: Description,
    method: z.optional(Railway.Method).check(z.meta({ description: "Only together with new credentials." })),
    isPlatformManagedCredentials: NotPlatformManaged,
    credentials: z.optional(Credentials),
  })
  .check(
    z.refine((u) => !u.method || u.credentials, {
      path: ["method"],
      message: "can only change together with new credentials",
    }),
    z.meta({ id: "UpdateRailwayConnection" }),
  );
export type UpdateInput = z.infer<typeof UpdateInput>;

export const Status = z.enum(["pending", "active", "failed"]);
export const Purpose = z.enum(["create", "rotation", "recheck"]);
export type Purpose = z.infer<typeof Purpose>;

export const Info = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.nullable(z.string()),
    projectId: z.nullable(z.string()),
    version: z.int(),
    orgId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    isPlatformManagedCredentials: z.literal(false),
    credentialsHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    app: z.literal("railway"),
    method: Railway.Method,
    credentials: z.strictObject({}).check(z.meta({ description: "Always empty: secrets are never returned." })),
    status: Status,
    statusMessage: z.nullable(z.string()),
    verifiedAt: z.nullable(z.iso.datetime()),
    railway: z.nullable(Railway.Identity),
    pendingVerification: z
      .nullable(z.object({ purpose: Purpose, method: Railway.Method, requestedAt: z.iso.datetime() }))
      .check(z.meta({ description: "The verification queued for this connection, if any." })),
    rotation: z
      .nullable(
        z.object({
          status: z.enum(["pending", "failed"]),
          method: Railway.Method,
          requestedAt: z.iso.datetime(),
          statusMessage: z.nullable(z.string()),
        }),
      )
      .check(
        z.meta({
          description:
            "New credentials sent for an active connection: pending until verified, then they replace the current ones; failed (with the reason) leaves the current ones in use.",
        }),
      ),
  })
  .check(
    z.meta({
      id: "RailwayConnection",
      example: {
        id: "c790dc47-480b-45e4-ada9-502a7419d8f8",
        name: "my-railway-connection",
        description: null,
        projectId: "7ffbb072-2575-495a-b5b0-127f88caef78",
        version: 1,
        orgId: "56277763-02c5-4c5c-8d8a-2c8dda7d787d",
        createdAt: "2026-11-27T21:07:48.599Z",
        updatedAt: "2026-11-27T21:07:48.683Z",
        isPlatformManagedCredentials: false,
        credentialsHash: "4772d21ffb054daca883b5710791139d1fc98c5a818f91eadff406102cfebd88",
        app: "railway",
        method: "team-token",
        credentials: {},
        status: "active",
        statusMessage: null,
        verifiedAt: "2026-11-27T21:07:48.683Z",
        railway: { workspaces: [{ id: "ada00000-0000-4000-8000-000000000102", name: "Analytical Engines" }] },
        pendingVerification: null,
        rotation: null,
      },
    }),
  );
export type Info = z.infer<typeof Info>;

export const Summary = z.object({
  app: z.literal("railway"),
  name: z.string(),
  id: z.uuid(),
  projectId: z.nullable(z.string()),
  orgId: z.string(),
});

/** What the verification queue carries: ids, and a new token only as KMS ciphertext. */
export const Job = z.object({
  orgId: z.string(),
  connectionId: z.uuid(),
  jobId: z.uuid(),
  sealedToken: z.optional(z.base64()),
});
export type Job = z.infer<typeof Job>;

type InFlight = { id: string; purpose: Purpose; method: Railway.Method; requestedAt: string };
type Item = Omit<Info, "pendingVerification"> & {
  pk: string;
  sk: string;
  type: "connection";
  gsi1pk: string;
  gsi1sk: string;
  /** The maintenance index: "JOB" while a verification is in flight, "ACTIVE" while active. */
  gsi2pk?: "JOB" | "ACTIVE";
  gsi2sk?: string;
  job: InFlight | null;
  /** Bumped by every write, the worker's included: the guard of read-modify-write. */
  revision: number;
  sealedCredentials?: Uint8Array;
  idempotencyKey?: string;
};

const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `CONNECTION#${id}` });
const nameKey = (orgId: string, projectId: string | null, name: string) => ({
  pk: `ORG#${orgId}`,
  sk: `NAME#railway#${projectId ?? "-"}#${name}`,
});
const idempotencyKey = (orgId: string, key: string) => ({ pk: `ORG#${orgId}`, sk: `IDEMPOTENCY#${key}` });
const listKey = (orgId: string) => `ORG#${orgId}#CONNECTIONS`;

const toInfo = ({
  pk,
  sk,
  type,
  gsi1pk,
  gsi1sk,
  gsi2pk,
  gsi2sk,
  job,
  revision,
  sealedCredentials,
  idempotencyKey,
  ...info
}: Item): Info => ({
  ...info,
  pendingVerification: job ? { purpose: job.purpose, method: job.method, requestedAt: job.requestedAt } : null,
});

const table = () => Dynamo.table();

/** Keeps the maintenance index in step with the item's state. */
function indexed(item: Item): Item {
  const { gsi2pk, gsi2sk, ...rest } = item;
  if (item.job) return { ...rest, gsi2pk: "JOB", gsi2sk: `${item.job.requestedAt}#${item.id}` };
  if (item.status === "active") return { ...rest, gsi2pk: "ACTIVE", gsi2sk: `${item.verifiedAt}#${item.id}` };
  return rest;
}
const actorOf = (actor: ApiKey.Actor): Audit.Actor => ({ type: "api-key", keyId: actor.keyId });
const nameTaken = (name: string) =>
  new VisibleError("conflict", "name_taken", `An App Connection with the name "${name}" already exists`);

/**
 * Read-modify-write of one connection, guarded by its revision and retried when another write
 * (a user's or the worker's) got there first. `apply` returns the new item (or "delete") and
 * the other writes of the same transaction, or undefined to change nothing. `seen` is the item
 * as the caller just read it, which saves the first read (the revision guard still holds);
 * `onCancel` can ask which of the other writes' conditions cancelled the transaction.
 */
async function change(
  orgId: string,
  id: string,
  apply: (item: Item) => { next: Item | "delete"; writes?: Dynamo.Write[] } | undefined,
  {
    seen,
    onCancel = () => {},
  }: { seen?: Item | undefined; onCancel?: (failedOn: (write: Dynamo.Write | undefined) => boolean) => void } = {},
): Promise<{ before: Item; after: Item | "delete" } | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = attempt === 0 && seen ? seen : await load(orgId, id);
    const plan = item && apply(item);
    if (!item || !plan) return undefined;
    const guard = {
      ConditionExpression: "revision = :revision",
      ExpressionAttributeValues: { ":revision": item.revision },
    };
    const after = plan.next === "delete" ? "delete" : indexed({ ...plan.next, revision: item.revision + 1 });
    const own: Dynamo.Write =
      after === "delete"
        ? { Delete: { TableName: table(), Key: key(orgId, id), ...guard } }
        : { Put: { TableName: table(), Item: after, ...guard } };
    const writes = [own, ...(plan.writes ?? [])];
    try {
      await Dynamo.transact(writes);
      await Webhook.relayCommitted(plan.writes ?? []);
      return { before: item, after };
    } catch (err) {
      if (!Dynamo.failedOn(err, writes, own)) {
        onCancel((write) => Dynamo.failedOn(err, writes, write));
        throw err;
      }
    }
  }
  throw new VisibleError(
    "conflict",
    "concurrent_change",
    "The connection kept changing while this request ran; try again",
  );
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

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
  const projectId = input.projectId ?? null;
  ApiKey.assertReaches(actor, projectId);
  const print = idempotency ? fingerprint(orgId, idempotency, input) : undefined;
  if (idempotency) {
    const replay = await replayed(actor, idempotency, print);
    if (replay) return { connection: replay, replayed: true };
  }

  const id = randomUUID();
  const jobId = randomUUID();
  const now = new Date().toISOString();
  const sealed = await Secrets.seal(input.credentials.apiToken, Secrets.jobContext(orgId, id, jobId));
  const item: Item = indexed({
    ...key(orgId, id),
    type: "connection",
    gsi1pk: listKey(orgId),
    gsi1sk: `${now}#${id}`,
    id,
    name: input.name,
    description: input.description ?? null,
    projectId,
    version: 1,
    orgId,
    createdAt: now,
    updatedAt: now,
    isPlatformManagedCredentials: false,
    credentialsHash: Secrets.sha256(sealed),
    app: "railway",
    method: input.method,
    credentials: {},
    status: "pending",
    statusMessage: null,
    verifiedAt: null,
    railway: null,
    rotation: null,
    job: { id: jobId, purpose: "create", method: input.method, requestedAt: now },
    revision: 0,
    ...(idempotency ? { idempotencyKey: idempotency } : {}),
  });
  const audit = Audit.item({
    orgId,
    action: "app-connection.created",
    actor: actorOf(actor),
    connectionId: id,
    projectId,
    at: now,
    details: { name: input.name, method: input.method },
  });
  // Every item is new: each write is conditional on that.
  const fresh = (Item: Record<string, unknown>) => ({
    Put: { TableName: table(), Item, ConditionExpression: "attribute_not_exists(pk)" },
  });
  const nameLock = fresh({ ...nameKey(orgId, projectId, input.name), type: "name", connectionId: id });
  const idempotencyLock = idempotency
    ? fresh({
        ...idempotencyKey(orgId, idempotency),
        type: "idempotency",
        connectionId: id,
        fingerprint: print,
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
      })
    : undefined;
  const event = Webhook.outbox(orgId, "app-connection.created", toInfo(item));
  const writes = [
    nameLock,
    fresh(item),
    fresh(audit),
    ...(idempotencyLock ? [idempotencyLock] : []),
    fresh(event.Put.Item),
  ];

  try {
    await Dynamo.transact(writes);
  } catch (err) {
    if (idempotency && Dynamo.failedOn(err, writes, idempotencyLock)) {
      const replay = await replayed(actor, idempotency, print);
      if (replay) return { connection: replay, replayed: true };
    }
    if (Dynamo.failedOn(err, writes, nameLock)) throw nameTaken(input.name);
    throw err;
  }

  // Relayed before the job is queued: `created` goes out ahead of the verification's event, and
  // the worker cannot settle the connection before this request answers. Should the queue
  // refuse, the rollback below deletes the event too, and its deliveries find nothing to send.
  await Webhook.relayCommitted(writes);
  try {
    await Queue.send({
      orgId,
      connectionId: id,
      jobId,
      sealedToken: b64(sealed),
    } satisfies Job);
  } catch (err) {
    await Dynamo.transact(
      writes.map((w) => ({
        Delete: { TableName: table(), Key: { pk: w.Put.Item.pk, sk: w.Put.Item.sk } },
      })),
    );
    throw new VisibleError(
      "unavailable",
      "queue_unavailable",
      "The verification queue is unavailable; nothing was stored, try again",
      undefined,
      { cause: err },
    );
  }
  return { connection: toInfo(item), replayed: false };
}

async function replayed(actor: ApiKey.Actor, idempotency: string, print: string | undefined) {
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: table(), Key: idempotencyKey(actor.orgId, idempotency), ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  if (out.Item.fingerprint !== print)
    throw new VisibleError(
      "unprocessable",
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request body",
    );
  return fromID(actor, out.Item.connectionId);
}

async function load(orgId: string, id: string) {
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: table(), Key: key(orgId, id), ConsistentRead: true }),
  );
  return out.Item as Item | undefined;
}

const notFound = (what: string) => new VisibleError("not-found", "not_found", `No Railway connection ${what}`);

/** A connection of the caller's org and projects; anything else does not exist for it. */
async function visible(actor: ApiKey.Actor, id: string) {
  const item = ProjectID.safeParse(id).success ? await load(actor.orgId, id) : undefined;
  if (!item || !ApiKey.reaches(actor, item.projectId)) throw notFound(`with id "${id}"`);
  return item;
}

export const fromID = async (actor: ApiKey.Actor, id: string) => toInfo(await visible(actor, id));

/** By name, within the project, or within the org for connections without a project. */
export async function fromName(actor: ApiKey.Actor, name: string, projectId: string | null) {
  const what = `named "${name}"${projectId ? ` in project "${projectId}"` : " outside projects"}`;
  if (!Name.safeParse(name).success || !ApiKey.reaches(actor, projectId)) throw notFound(what);
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: table(), Key: nameKey(actor.orgId, projectId, name), ConsistentRead: true }),
  );
  if (!out.Item) throw notFound(what);
  return fromID(actor, out.Item.connectionId);
}

/** The caller's connections, newest first, a page at a time. */
export async function list(
  actor: ApiKey.Actor,
  opts: { projectId?: string; status?: z.infer<typeof Status>; cursor?: string; limit?: number },
) {
  const projects = opts.projectId ? [opts.projectId] : actor.projectIds;
  const allowed = projects?.filter((p) => ApiKey.reaches(actor, p));
  if (allowed && allowed.length === 0) return { items: [] as Info[], cursor: null };
  const filters: string[] = [];
  const values: Record<string, unknown> = { ":pk": listKey(actor.orgId) };
  if (allowed) {
    filters.push(`projectId IN (${allowed.map((_, i) => `:p${i}`).join(", ")})`);
    allowed.forEach((p, i) => {
      values[`:p${i}`] = p;
    });
  }
  if (opts.status) {
    filters.push("#status = :status");
    values[":status"] = opts.status;
  }
  const page = await Page.query(
    (ExclusiveStartKey, Limit) =>
      Dynamo.client.send(
        new QueryCommand({
          TableName: table(),
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk",
          FilterExpression: filters.length ? filters.join(" AND ") : undefined,
          ExpressionAttributeNames: opts.status ? { "#status": "status" } : undefined,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey,
          Limit,
        }),
      ),
    { cursor: opts.cursor, limit: opts.limit ?? Page.Limit.default, scope: listKey(actor.orgId) },
  );
  return { items: page.items.map((i) => toInfo(i as Item)), cursor: page.cursor };
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

/**
 * Renames, describes, or sends new credentials. New credentials of an active connection are a
 * rotation: the current ones stay in use until the new ones verify.
 */
export async function update(actor: ApiKey.Actor, id: string, input: UpdateInput): Promise<Info> {
  const current = await visible(actor, id);
  if (input.name === undefined && input.description === undefined && !input.credentials) return toInfo(current);
  const jobId = randomUUID();
  const sealed = input.credentials
    ? await Secrets.seal(input.credentials.apiToken, Secrets.jobContext(actor.orgId, id, jobId))
    : undefined;
  let nameLock: Dynamo.Write | undefined;
  const done = await change(
    actor.orgId,
    id,
    (item) => {
      const now = new Date().toISOString();
      const next: Item = {
        ...item,
        name: input.name ?? item.name,
        description: input.description === undefined ? item.description : input.description,
        version: item.version + 1,
        updatedAt: now,
      };
      if (sealed) {
        const method = input.method ?? item.method;
        const rotation = item.status === "active" && item.sealedCredentials !== undefined;
        next.job = { id: jobId, purpose: rotation ? "rotation" : "create", method, requestedAt: now };
        if (rotation) next.rotation = { status: "pending", method, requestedAt: now, statusMessage: null };
        else {
          Object.assign(next, {
            status: "pending",
            statusMessage: null,
            method,
            credentialsHash: Secrets.sha256(sealed),
            railway: null,
            verifiedAt: null,
            rotation: null,
          });
          delete next.sealedCredentials;
        }
      }
      const renamed = next.name !== item.name;
      nameLock = renamed
        ? {
            Put: {
              TableName: table(),
              Item: { ...nameKey(item.orgId, item.projectId, next.name), type: "name", connectionId: id },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          }
        : undefined;
      return {
        next,
        writes: [
          ...(nameLock
            ? [nameLock, { Delete: { TableName: table(), Key: nameKey(item.orgId, item.projectId, item.name) } }]
            : []),
          Audit.put({
            orgId: item.orgId,
            action: "app-connection.updated",
            actor: actorOf(actor),
            connectionId: id,
            projectId: item.projectId,
            at: now,
            details: {
              credentialsChanged: Boolean(sealed),
              ...(renamed ? { name: next.name, previousName: item.name } : {}),
              ...(input.description !== undefined ? { descriptionChanged: true } : {}),
              ...(input.method ? { method: input.method } : {}),
            },
          }),
          Webhook.outbox(item.orgId, "app-connection.updated", toInfo(next)),
        ],
      };
    },
    {
      seen: current,
      onCancel: (failedOn) => {
        if (input.name && failedOn(nameLock)) throw nameTaken(input.name);
      },
    },
  );
  if (!done || done.after === "delete") throw notFound(`with id "${id}"`);
  if (sealed) await enqueue({ orgId: actor.orgId, connectionId: id, jobId, sealedToken: b64(sealed) });
  return toInfo(done.after);
}

/** Queues a job already recorded on the connection; if the queue refuses, says so on the connection. */
async function enqueue(job: Job, delaySeconds = 0) {
  try {
    await Queue.send(job, delaySeconds);
  } catch (err) {
    const message = "The verification could not be queued; send the request again";
    await settle(job, { kind: "unreachable", message }).catch(() => false);
    throw new VisibleError("unavailable", "queue_unavailable", message, undefined, { cause: err });
  }
}

/** Re-checks the stored credentials with Railway, in the background. */
export async function requestVerification(actor: ApiKey.Actor, id: string): Promise<Info> {
  const done = await recheck(actor.orgId, id, actorOf(actor), { seen: await visible(actor, id) });
  if (!done) throw notFound(`with id "${id}"`);
  return done;
}

/**
 * Queues a re-check of the stored credentials, unless a verification is already in flight: that
 * one answers the same question, and replacing its job would drop the token it carries (a
 * rotation's, say). Returns the connection, or undefined if it is gone.
 */
async function recheck(
  orgId: string,
  id: string,
  by: Audit.Actor,
  { delaySeconds = 0, seen }: { delaySeconds?: number; seen?: Item } = {},
) {
  const jobId = randomUUID();
  let inFlight: Item | undefined;
  const done = await change(
    orgId,
    id,
    (item) => {
      if (item.job) {
        inFlight = item;
        return undefined;
      }
      if (!item.sealedCredentials)
        throw new VisibleError(
          "conflict",
          "no_credentials",
          "This connection has no stored credentials to verify (Railway rejected them, or they are still being verified); send new credentials with PATCH",
        );
      const now = new Date().toISOString();
      return {
        next: { ...item, job: { id: jobId, purpose: "recheck", method: item.method, requestedAt: now } },
        writes: [
          Audit.put({
            orgId,
            action: "app-connection.verification-requested",
            actor: by,
            connectionId: id,
            projectId: item.projectId,
            at: now,
            details: {},
          }),
        ],
      };
    },
    { seen },
  );
  if (inFlight) return toInfo(inFlight);
  if (!done || done.after === "delete") return undefined;
  await enqueue({ orgId, connectionId: id, jobId }, delaySeconds);
  return toInfo(done.after);
}

const maintenance = async (pk: "JOB" | "ACTIVE", before: string, limit: number) => {
  const out = await Dynamo.client.send(
    new QueryCommand({
      TableName: table(),
      IndexName: "gsi2",
      KeyConditionExpression: "gsi2pk = :pk AND gsi2sk < :before",
      ExpressionAttributeValues: { ":pk": pk, ":before": before },
      Limit: limit,
    }),
  );
  return (out.Items ?? []) as Item[];
};

/**
 * Re-checks active connections last verified before `before`, spreading the checks over
 * `spreadSeconds` so that a run stays inside Railway's rate limits. Returns how many it queued.
 */
export async function recheckDue(opts: { before: Date; limit: number; spreadSeconds: number }) {
  const due = await maintenance("ACTIVE", opts.before.toISOString(), opts.limit);
  for (const item of due)
    await recheck(
      item.orgId,
      item.id,
      { type: "system", reason: "scheduled re-verification" },
      { delaySeconds: Math.floor(Math.random() * opts.spreadSeconds) },
    );
  return due.length;
}

/**
 * Verifications still in flight since before `before` lost their job (it never ran, or no
 * dead-letter handler saw it): a re-check is queued again; a new token, gone with its job,
 * is settled as failed so that nothing stays pending forever. Returns how many it resolved.
 */
export async function sweep(opts: { before: Date; limit: number }) {
  const stale = await maintenance("JOB", opts.before.toISOString(), opts.limit);
  for (const item of stale) {
    if (!item.job) continue;
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
  }
  return stale.length;
}

/** Deletes and returns the connection; a verification still in flight cannot bring it back. */
export async function remove(actor: ApiKey.Actor, id: string): Promise<Info> {
  const seen = await visible(actor, id);
  const done = await change(
    actor.orgId,
    id,
    (item) => ({
      next: "delete",
      writes: [
        { Delete: { TableName: table(), Key: nameKey(item.orgId, item.projectId, item.name) } },
        ...(item.idempotencyKey
          ? [{ Delete: { TableName: table(), Key: idempotencyKey(item.orgId, item.idempotencyKey) } }]
          : []),
        Audit.put({
          orgId: item.orgId,
          action: "app-connection.deleted",
          actor: actorOf(actor),
          connectionId: id,
          projectId: item.projectId,
          details: { name: item.name },
        }),
        Webhook.outbox(item.orgId, "app-connection.deleted", toInfo(item)),
      ],
    }),
    { seen },
  );
  if (!done) throw notFound(`with id "${id}"`);
  return toInfo(done.before);
}

/** The Railway projects the stored token reaches. Railway's errors are reported, never swallowed. */
export async function projects(actor: ApiKey.Actor, id: string) {
  const item = await visible(actor, id);
  if (item.status !== "active" || !item.sealedCredentials)
    throw new VisibleError(
      "conflict",
      "not_active",
      `This connection is ${item.status}, not active: its Railway projects can be listed once its credentials are verified`,
    );
  const token = await Secrets.open(item.sealedCredentials, Secrets.credentialContext(item.orgId, id));
  const read = Audit.put({
    orgId: item.orgId,
    action: "app-connection.credentials-read",
    actor: actorOf(actor),
    connectionId: id,
    projectId: item.projectId,
    details: { purpose: "list-railway-projects" },
  });
  await Dynamo.client.send(new PutCommand(read.Put));
  try {
    return await Railway.listProjects(item.method, token);
  } catch (err) {
    if (err instanceof Railway.Rejected)
      throw new VisibleError(
        "conflict",
        "railway_credentials_rejected",
        `Railway rejected this connection's token (${err.message}); it may have been revoked. Verify the connection again, or send new credentials with PATCH.`,
      );
    if (err instanceof Railway.Unreachable)
      throw new VisibleError("upstream", "railway_unavailable", `${err.message}; try again later`);
    throw err;
  }
}

// ---- the worker's side ----

/** The connection's state a job needs, or undefined when the job is stale (superseded, deleted). */
export async function pendingJob(job: Job) {
  const item = await load(job.orgId, job.connectionId);
  if (!item?.job || item.job.id !== job.jobId) return undefined;
  return { purpose: item.job.purpose, method: item.job.method, sealedCredentials: item.sealedCredentials, item };
}
export type Pending = NonNullable<Awaited<ReturnType<typeof pendingJob>>>;

export type Outcome =
  | { kind: "verified"; railway: Railway.Identity; sealedCredentials?: Uint8Array }
  | { kind: "rejected" | "unreachable"; message: string; sealedCredentials?: Uint8Array };

/** The webhook event a settled verification causes, if it changed anything a consumer sees. */
function eventOf(
  purpose: Purpose,
  outcome: Outcome["kind"],
  before: Info["status"],
  after: Info["status"],
): Webhook.EventType | undefined {
  if (purpose === "rotation")
    return outcome === "verified" ? "app-connection.credentials-rotated" : "app-connection.updated";
  if (after === "active" && before !== "active") return "app-connection.verified";
  if (after === "failed" && before === "active") return "app-connection.revoked";
  if (after === "failed" && before !== "failed") return "app-connection.failed";
  return undefined;
}

/**
 * Records a verification outcome, only while the job is still the connection's current one:
 * a duplicate, superseded or deleted-under-it job changes nothing. Returns whether it applied.
 */
export async function settle(job: Job, outcome: Outcome, pending?: Pending): Promise<boolean> {
  const done = await change(
    job.orgId,
    job.connectionId,
    (item) => {
      if (!item.job || item.job.id !== job.jobId) return undefined;
      const { purpose, method, requestedAt } = item.job;
      const now = new Date().toISOString();
      const next: Item = { ...item, job: null, updatedAt: now };
      const sealed = outcome.sealedCredentials;
      const store = () => {
        if (sealed) Object.assign(next, { sealedCredentials: sealed, credentialsHash: Secrets.sha256(sealed), method });
      };
      if (outcome.kind === "verified") {
        store();
        Object.assign(next, { status: "active", statusMessage: null, verifiedAt: now, railway: outcome.railway });
        if (purpose === "rotation") next.rotation = null;
      } else if (purpose === "rotation") {
        next.rotation = { status: "failed", method, requestedAt, statusMessage: outcome.message };
      } else if (purpose === "create") {
        Object.assign(next, { status: "failed", statusMessage: outcome.message, railway: null });
        if (outcome.kind === "rejected") delete next.sealedCredentials;
        else store();
      } else if (outcome.kind === "rejected") {
        Object.assign(next, { status: "failed", statusMessage: outcome.message });
      }
      const event = eventOf(purpose, outcome.kind, item.status, next.status);
      return {
        next,
        writes: [
          ...(event ? [Webhook.outbox(item.orgId, event, toInfo(next))] : []),
          Audit.put({
            orgId: item.orgId,
            action: outcome.kind === "verified" ? "app-connection.verified" : "app-connection.verification-failed",
            actor: { type: "system", reason: "verification" },
            connectionId: item.id,
            projectId: item.projectId,
            at: now,
            details: {
              purpose,
              outcome: outcome.kind,
              status: next.status,
              ...(outcome.kind === "verified" ? {} : { message: outcome.message }),
            },
          }),
        ],
      };
    },
    { seen: pending?.item },
  );
  return done !== undefined;
}
