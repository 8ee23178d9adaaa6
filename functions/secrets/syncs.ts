import * as Sync from "@app/core/sync";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

const ProjectQuery = z.object({ projectId: z.string().check(z.minLength(1), z.maxLength(64)) });
const Remove = z.object({ removeSecrets: z.optional(z.enum(["true", "false"])) });
const ImportQuery = z.object({ importBehavior: z._default(Sync.ImportBehavior, "prioritize-source") });

const Params = z.object({ syncId: z.uuid() });
const id = (c: { req: { param: (name: "syncId") => string } }) => c.req.param("syncId");

/** A run's fields (sync, import, remove): null before its first. */
const RunStatus = z.nullable(Sync.Status);
const JobId = z.nullable(z.uuid());
const Message = z.nullable(z.string());
const At = z.nullable(z.iso.datetime());

/**
 * What `Sync.Info` is, for the document (here, not in core: a zod/mini schema stays in every
 * bundle that imports its module, and the sync workers do). Typed as that type, so that a field
 * it lacks does not compile; tests/api.test.ts checks real answers against it.
 */
const Info: z.ZodMiniType<Sync.Info> = z
  .object({
    id: z.uuid(),
    orgId: z.string(),
    name: z.string(),
    description: z.nullable(z.string()),
    projectId: z.string(),
    connectionId: z.uuid(),
    recursive: z.boolean(),
    isAutoSyncEnabled: z.boolean(),
    syncOptions: z.strictObject({ ...Sync.syncOptionFields, recursive: z.boolean() }),
    destinationConfig: Sync.DestinationConfig,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    syncStatus: RunStatus,
    lastSyncJobId: JobId,
    lastSyncMessage: Message,
    lastSyncedAt: At,
    importStatus: RunStatus,
    lastImportJobId: JobId,
    lastImportMessage: Message,
    lastImportedAt: At,
    removeStatus: RunStatus,
    lastRemoveJobId: JobId,
    lastRemoveMessage: Message,
    lastRemovedAt: At,
    destination: z.literal("railway"),
    environment: z.object({ slug: z.string(), name: z.string(), id: z.string() }),
    folder: z.object({ id: z.string(), path: z.string() }),
    connection: z.object({
      app: z.literal("railway"),
      name: z.nullable(z.string()).check(z.meta({ description: "Null when the connection is gone" })),
      id: z.uuid(),
    }),
  })
  .check(z.meta({ id: "RailwaySecretSync" }));

const One = z.object({ secretSync: Info });
const Many = json(z.object({ secretSyncs: z.array(Info) }), "The project's syncs, oldest first");

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key or access token"),
};
const forbidden = { 403: json(ErrorBody, "The API key may not use this project") };
const missing = { 404: json(ErrorBody, "No such secret sync in the caller's org and projects") };
const unrunnable = {
  404: json(
    ErrorBody,
    "No such secret sync in the caller's org and projects, or (connection_not_found) its Railway connection is not one the key can see",
  ),
};
const changing = { 409: json(ErrorBody, "The sync kept changing while this request ran; try again") };
const unqueued = { 503: json(ErrorBody, "The job could not be queued; try again") };
const notJson = { 415: json(ErrorBody, "The body is not JSON") };
const otherProject = { 422: json(ErrorBody, "The Railway connection belongs to another project") };

/** `/api/v1/secret-syncs/railway`: the prior art's routes and shapes. */
const railway = new Hono<Env>()
  .post(
    "/",
    describe({
      summary: "Create a Railway secret sync; its first sync is queued and runs in the background",
      responses: {
        200: json(One, "The new sync, with syncStatus pending"),
        ...errors,
        ...forbidden,
        404: json(ErrorBody, "No such Railway connection in the caller's org and projects (connection_not_found)"),
        409: json(
          ErrorBody,
          "A sync with this name already exists in the project (name_taken), or another sync of the org has this Railway destination (destination_taken)",
        ),
        ...notJson,
        ...otherProject,
        ...unqueued,
      },
    }),
    valid("json", Sync.CreateInput),
    async (c) => c.json({ secretSync: await Sync.create(c.get("actor"), c.req.valid("json")) }, 200),
  )
  .get(
    "/",
    describe({
      summary: "A project's Railway secret syncs",
      responses: { 200: Many, ...errors, ...forbidden },
    }),
    valid("query", ProjectQuery),
    async (c) => c.json({ secretSyncs: await Sync.list(c.get("actor"), c.req.valid("query").projectId) }, 200),
  )
  .get(
    "/sync-name/:name",
    describe({
      summary: "One Railway secret sync by its name in a project",
      responses: { 200: json(One, "The sync"), ...errors, ...forbidden, ...missing },
    }),
    valid("param", z.object({ name: z.string() })),
    valid("query", ProjectQuery),
    async (c) =>
      c.json(
        { secretSync: await Sync.byName(c.get("actor"), c.req.valid("query").projectId, c.req.valid("param").name) },
        200,
      ),
  )
  .get(
    "/:syncId",
    describe({
      summary: "One Railway secret sync, with the status of its last sync, import and remove",
      responses: { 200: json(One, "The sync"), ...errors, ...missing },
    }),
    valid("param", Params),
    async (c) => c.json({ secretSync: await Sync.get(c.get("actor"), id(c)) }, 200),
  )
  .patch(
    "/:syncId",
    describe({
      summary: "Change a sync; a change of what is copied or where queues a sync",
      responses: {
        200: json(One, "The sync as changed"),
        ...errors,
        404: json(
          ErrorBody,
          "No such secret sync, or no such Railway connection (connection_not_found), in the caller's org and projects; a change that syncs again needs the sync's connection to be one the key can see",
        ),
        409: json(
          ErrorBody,
          "The new name is taken in the project, the new Railway destination has another sync of the org, or the sync kept changing",
        ),
        ...notJson,
        ...otherProject,
        ...unqueued,
      },
    }),
    valid("param", Params),
    valid("json", Sync.UpdateInput),
    async (c) => c.json({ secretSync: await Sync.update(c.get("actor"), id(c), c.req.valid("json")) }, 200),
  )
  .delete(
    "/:syncId",
    describe({
      summary:
        "Delete a sync; with removeSecrets=true the names it wrote are removed from Railway first, and the sync stays (deleting) until they are",
      responses: {
        200: json(One, "The sync as it was, or as it is while its remove job runs"),
        ...errors,
        ...unrunnable,
        ...changing,
        ...unqueued,
      },
    }),
    valid("param", Params),
    valid("query", Remove),
    async (c) =>
      c.json(
        { secretSync: await Sync.remove(c.get("actor"), id(c), c.req.valid("query").removeSecrets === "true") },
        200,
      ),
  )
  .post(
    "/:syncId/sync-secrets",
    describe({
      summary: "Queue a sync of the folder's secrets now",
      responses: {
        200: json(One, "The sync, with syncStatus pending"),
        ...errors,
        ...unrunnable,
        ...changing,
        ...unqueued,
      },
    }),
    valid("param", Params),
    async (c) => c.json({ secretSync: await Sync.syncNow(c.get("actor"), id(c)) }, 200),
  )
  .post(
    "/:syncId/import-secrets",
    describe({
      summary: "Queue an import of Railway's plain variables (in the key schema) into the folder",
      responses: {
        200: json(One, "The sync, with importStatus pending"),
        ...errors,
        ...unrunnable,
        ...changing,
        ...unqueued,
      },
    }),
    valid("param", Params),
    valid("query", ImportQuery),
    async (c) =>
      c.json({ secretSync: await Sync.importSecrets(c.get("actor"), id(c), c.req.valid("query").importBehavior) }, 200),
  )
  .post(
    "/:syncId/remove-secrets",
    describe({
      summary: "Queue the removal from Railway of exactly the names the sync wrote",
      responses: {
        200: json(One, "The sync, with removeStatus pending"),
        ...errors,
        ...unrunnable,
        ...changing,
        ...unqueued,
      },
    }),
    valid("param", Params),
    async (c) => c.json({ secretSync: await Sync.removeSecrets(c.get("actor"), id(c)) }, 200),
  );

const Option = z.object({
  name: z.string(),
  destination: z.literal("railway"),
  connection: z.literal("railway"),
  canImportSecrets: z.boolean(),
  canRemoveSecretsOnDeletion: z.boolean(),
});

const options: z.infer<typeof Option>[] = [
  {
    name: "Railway",
    destination: "railway",
    connection: "railway",
    canImportSecrets: true,
    canRemoveSecretsOnDeletion: true,
  },
];

/** `/api/v1/secret-syncs`: every destination's syncs of a project, and the destinations offered. */
export const syncs = new Hono<Env>()
  .get(
    "/options",
    describe({
      summary: "The destinations a secret sync can have",
      responses: {
        200: json(z.object({ secretSyncOptions: z.array(Option) }), "Railway, the one destination"),
        401: errors[401],
      },
    }),
    (c) => c.json({ secretSyncOptions: options }, 200),
  )
  .get(
    "/",
    describe({
      summary: "A project's secret syncs, of every destination",
      responses: { 200: Many, ...errors, ...forbidden },
    }),
    valid("query", ProjectQuery),
    async (c) => c.json({ secretSyncs: await Sync.list(c.get("actor"), c.req.valid("query").projectId) }, 200),
  )
  .route("/railway", railway);
