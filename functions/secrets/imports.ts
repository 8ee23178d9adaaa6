import type { Actor } from "@app/core/apikey";
import { VisibleError } from "@app/core/error";
import type * as Secret from "@app/core/secret";
import * as SecretImport from "@app/core/secret-import";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

type Where = { workspaceId?: string; projectId?: string; environment: string; path?: string };

/** The importing folder: its project is `projectId` or `workspaceId` (as the SDKs name it). */
function scope(actor: Actor, q: Where): Secret.Scope {
  const projectId = q.projectId ?? q.workspaceId;
  if (!projectId)
    throw new VisibleError(
      "validation",
      "validation_failed",
      "Invalid request: projectId: is required (or workspaceId)",
    );
  if (q.workspaceId && q.projectId && q.workspaceId !== q.projectId)
    throw new VisibleError("validation", "validation_failed", "Invalid request: workspaceId and projectId differ");
  return { orgId: actor.orgId, projectId, environment: q.environment, path: q.path ?? "/" };
}

const Environment = z.object({ id: z.string(), name: z.string(), slug: z.string() });

/** What `SecretImport.Info` is, for the document (see raw.ts's Info: zod/mini schemas stay in this function). */
const Info: z.ZodMiniType<SecretImport.Info> = z
  .object({
    id: z.uuid(),
    version: z.int().check(z.meta({ description: "1 when created, one more for each change" })),
    projectId: z.string(),
    environment: Environment.check(z.meta({ description: "The importing folder's environment (by slug)" })),
    path: z.string().check(z.meta({ description: "The importing folder" })),
    folderId: z.uuid().check(z.meta({ description: "The importing folder's id, derived from its path" })),
    importPath: z.string(),
    importEnv: Environment,
    position: z.int().check(z.meta({ description: "Its place among the folder's imports: the first wins a clash" })),
    isReplication: z.literal(false),
    isReplicationSuccess: z.null(),
    replicationStatus: z.null(),
    lastReplicated: z.null(),
    isReserved: z.literal(false),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .check(z.meta({ id: "SecretImport" }));

const One = (message: string) => json(z.object({ message: z.string(), secretImport: Info }), message);
const Params = z.object({ secretImportId: z.uuid() });

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key or access token"),
  403: json(ErrorBody, "The API key may not use this project"),
};
const refused = {
  400: json(
    ErrorBody,
    "The request is invalid, or the import would import its own folder, one it imports already, or close a cycle",
  ),
};
const missing = { 404: json(ErrorBody, "No secret import with this id that the key may use") };
const changed = { 409: json(ErrorBody, "The folder's imports changed while this request ran; send it again") };
const notJson = { 415: json(ErrorBody, "The body is not JSON") };

/** `/api/v2/secret-imports`: which folders a folder imports. */
export const imports = new Hono<Env>()
  .post(
    "/",
    describe({
      summary: "Import a folder's secrets into another folder of the project (after its own)",
      responses: { 200: One("The new import, last of its folder's"), ...errors, ...refused, ...notJson },
    }),
    valid("json", SecretImport.CreateBody),
    async (c) => {
      const b = c.req.valid("json");
      const secretImport = await SecretImport.create(c.get("actor"), scope(c.get("actor"), b), b.import);
      return c.json({ message: "Successfully created secret import", secretImport }, 200);
    },
  )
  .get(
    "/",
    describe({
      summary: "A folder's imports, in order",
      responses: {
        200: json(z.object({ message: z.string(), secretImports: z.array(Info) }), "The imports"),
        ...errors,
      },
    }),
    valid("query", SecretImport.ListQuery),
    async (c) => {
      const q = c.req.valid("query");
      const secretImports = await SecretImport.list(c.get("actor"), scope(c.get("actor"), q));
      return c.json({ message: "Successfully fetched secret imports", secretImports }, 200);
    },
  )
  .get(
    "/:secretImportId",
    describe({
      summary: "One import",
      responses: { 200: json(z.object({ secretImport: Info }), "The import"), ...errors, ...missing },
    }),
    valid("param", Params),
    async (c) => {
      const secretImport = await SecretImport.get(c.get("actor"), c.req.valid("param").secretImportId);
      return c.json({ secretImport }, 200);
    },
  )
  .patch(
    "/:secretImportId",
    describe({
      summary: "Change the folder an import reads, or its place among its folder's imports",
      responses: { 200: One("The import as changed"), ...errors, ...refused, ...missing, ...changed, ...notJson },
    }),
    valid("json", SecretImport.UpdateBody),
    valid("param", Params),
    async (c) => {
      const b = c.req.valid("json");
      const id = c.req.valid("param").secretImportId;
      const secretImport = await SecretImport.update(c.get("actor"), id, scope(c.get("actor"), b), b.import);
      return c.json({ message: "Successfully updated secret import", secretImport }, 200);
    },
  )
  .delete(
    "/:secretImportId",
    describe({
      summary: "Delete an import (the body the SDKs send, saying where, is not needed)",
      responses: { 200: One("The deleted import"), ...errors, ...missing, ...changed },
    }),
    valid("param", Params),
    async (c) => {
      const secretImport = await SecretImport.remove(c.get("actor"), c.req.valid("param").secretImportId);
      return c.json({ message: "Successfully deleted secret import", secretImport }, 200);
    },
  );
