import * as Sync from "@app/core/sync";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { valid } from "../api/openapi.ts";
import type { Env } from "../api/service.ts";

const ProjectQuery = z.object({ projectId: z.string().check(z.minLength(1), z.maxLength(64)) });
const Remove = z.object({ removeSecrets: z.optional(z.enum(["true", "false"])) });
const ImportQuery = z.object({ importBehavior: z._default(Sync.ImportBehavior, "prioritize-source") });

const Params = z.object({ syncId: z.uuid() });
const id = (c: { req: { param: (name: "syncId") => string } }) => c.req.param("syncId");

/** `/api/v1/secret-syncs/railway`: the prior art's routes and shapes. */
const railway = new Hono<Env>()
  .post("/", valid("json", Sync.CreateInput), async (c) =>
    c.json({ secretSync: await Sync.create(c.get("actor"), c.req.valid("json")) }),
  )
  .get("/", valid("query", ProjectQuery), async (c) =>
    c.json({ secretSyncs: await Sync.list(c.get("actor"), c.req.valid("query").projectId) }),
  )
  .get("/sync-name/:name", valid("query", ProjectQuery), async (c) =>
    c.json({
      secretSync: await Sync.byName(c.get("actor"), c.req.valid("query").projectId, c.req.param("name")),
    }),
  )
  .get("/:syncId", valid("param", Params), async (c) => c.json({ secretSync: await Sync.get(c.get("actor"), id(c)) }))
  .patch("/:syncId", valid("param", Params), valid("json", Sync.UpdateInput), async (c) =>
    c.json({ secretSync: await Sync.update(c.get("actor"), id(c), c.req.valid("json")) }),
  )
  .delete("/:syncId", valid("param", Params), valid("query", Remove), async (c) =>
    c.json({
      secretSync: await Sync.remove(c.get("actor"), id(c), c.req.valid("query").removeSecrets === "true"),
    }),
  )
  .post("/:syncId/sync-secrets", valid("param", Params), async (c) =>
    c.json({ secretSync: await Sync.syncNow(c.get("actor"), id(c)) }),
  )
  .post("/:syncId/import-secrets", valid("param", Params), valid("query", ImportQuery), async (c) =>
    c.json({
      secretSync: await Sync.importSecrets(c.get("actor"), id(c), c.req.valid("query").importBehavior),
    }),
  )
  .post("/:syncId/remove-secrets", valid("param", Params), async (c) =>
    c.json({ secretSync: await Sync.removeSecrets(c.get("actor"), id(c)) }),
  );

const options = [
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
  .get("/options", (c) => c.json({ secretSyncOptions: options }))
  .get("/", valid("query", ProjectQuery), async (c) =>
    c.json({ secretSyncs: await Sync.list(c.get("actor"), c.req.valid("query").projectId) }),
  )
  .route("/railway", railway);
