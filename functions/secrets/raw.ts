import type { Actor } from "@app/core/apikey";
import { VisibleError } from "@app/core/error";
import * as Secret from "@app/core/secret";
import * as SecretImport from "@app/core/secret-import";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

type Where = { workspaceId?: string; projectId?: string; environment: string; secretPath?: string };

/** The scope of a request: its project is `workspaceId` (what the SDK sends) or `projectId`. */
function scope(actor: Actor, q: Where): Secret.Scope {
  const projectId = q.workspaceId ?? q.projectId;
  if (!projectId)
    throw new VisibleError(
      "validation",
      "validation_failed",
      "Invalid request: workspaceId: is required (or projectId)",
    );
  if (q.workspaceId && q.projectId && q.workspaceId !== q.projectId)
    throw new VisibleError("validation", "validation_failed", "Invalid request: workspaceId and projectId differ");
  return { orgId: actor.orgId, projectId, environment: q.environment, path: q.secretPath ?? "/" };
}

const Params = z.object({ secretName: Secret.Key });

/**
 * What `Secret.Info` is, for the document (here, not in core: a zod/mini schema stays in every
 * bundle that imports its module, and only this function answers secrets). Typed as that type, so
 * that a field it lacks does not compile; tests/api.test.ts checks real answers against it.
 */
const Info: z.ZodMiniType<Secret.Info> = z
  .object({
    id: z.uuid(),
    _id: z.uuid().check(z.meta({ description: "The same as id (the prior art's field)" })),
    workspace: z.string().check(z.meta({ description: "The project's id" })),
    workspaceId: z.string().check(z.meta({ description: "The project's id" })),
    environment: z.string(),
    version: z.int().check(z.meta({ description: "1 when created, one more for each write" })),
    type: z.literal("shared"),
    secretKey: z.string(),
    secretValue: z.string().check(z.meta({ description: "Empty when secretValueHidden" })),
    secretValueHidden: z.boolean().check(z.meta({ description: "True when read with viewSecretValue=false" })),
    secretComment: z.string(),
    secretPath: z.string(),
    isRotatedSecret: z.literal(false),
    tags: z.array(z.never()).check(z.meta({ description: "Always empty: tags are not supported" })),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .check(z.meta({ id: "Secret" }));

const One = z.object({ secret: Info });
const Imported = z
  .object({
    secretPath: z.string(),
    environment: z.string(),
    folderId: z.uuid(),
    secrets: z.array(Info),
  })
  .check(z.meta({ id: "ImportedSecrets" }));
const Many = z.object({ secrets: z.array(Info) });

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key or access token"),
  403: json(ErrorBody, "The API key may not use this project"),
};
const notJson = { 415: json(ErrorBody, "The body is not JSON") };
const missing = { 404: json(ErrorBody, "No such secret in this folder") };
const changed = { 409: json(ErrorBody, "A secret changed while this request ran; send it again") };
const unexpandable = {
  422: json(
    ErrorBody,
    "A secret's references cannot be expanded within the limits (the message names it); read with expandSecretReferences=false",
  ),
};

const reading = (q: { expandSecretReferences?: boolean; viewSecretValue?: boolean }) => ({
  expand: q.expandSecretReferences ?? true,
  view: q.viewSecretValue ?? true,
});

/** `/api/v3/secrets/raw`, `/api/v3/secrets/raw/:secretName`, `/api/v3/secrets/batch/raw`. */
export const secrets = new Hono<Env>()
  .get(
    "/raw",
    describe({
      summary: "The secrets of a folder (with recursive=true, of its sub-folders too)",
      responses: {
        200: json(
          z.object({ secrets: z.array(Info), imports: z.array(Imported) }),
          "The secrets; with include_imports=true, those of each folder it imports, in the order they lose a name clash (its own secrets win)",
        ),
        ...errors,
        ...unexpandable,
      },
    }),
    valid("query", Secret.ListQuery),
    async (c) => {
      const q = c.req.valid("query");
      const where = scope(c.get("actor"), q);
      const [list, imports] = await Promise.all([
        Secret.list(c.get("actor"), where, { ...reading(q), recursive: q.recursive ?? false }),
        q.include_imports ? SecretImport.secrets(c.get("actor"), where, reading(q)) : [],
      ]);
      return c.json({ secrets: list, imports }, 200);
    },
  )
  .get(
    "/raw/:secretName",
    describe({
      summary:
        "One secret, as it is now or at a version (with includeImports=true, else the first imported one of that name)",
      responses: {
        200: json(One, "The secret"),
        ...errors,
        404: json(ErrorBody, "No such secret in this folder, or it has no such version"),
        ...unexpandable,
      },
    }),
    valid("query", Secret.GetQuery),
    valid("param", Params),
    async (c) => {
      const q = c.req.valid("query");
      const get = q.includeImports && q.version === undefined ? SecretImport.getSecret : Secret.get;
      const secret = await get(c.get("actor"), scope(c.get("actor"), q), c.req.valid("param").secretName, {
        ...reading(q),
        version: q.version,
      });
      return c.json({ secret }, 200);
    },
  )
  .post(
    "/raw/:secretName",
    describe({
      summary: "Create a secret (version 1)",
      responses: {
        200: json(One, "The new secret"),
        ...errors,
        400: json(
          ErrorBody,
          "The request is invalid, or the key already exists in this folder (the prior art's status)",
        ),
        ...notJson,
      },
    }),
    valid("json", Secret.CreateBody),
    valid("param", Params),
    async (c) => {
      const b = c.req.valid("json");
      const [secret] = await Secret.create(c.get("actor"), scope(c.get("actor"), b), [
        { key: c.req.valid("param").secretName, value: b.secretValue, comment: b.secretComment },
      ]);
      return c.json({ secret }, 200);
    },
  )
  .patch(
    "/raw/:secretName",
    describe({
      summary: "Change a secret's value or comment, or rename it (it keeps its id and versions): one more version",
      responses: {
        200: json(One, "The secret as written"),
        ...errors,
        400: json(ErrorBody, "The request is invalid, or the new name is taken in this folder"),
        ...missing,
        ...changed,
        ...notJson,
      },
    }),
    valid("json", Secret.UpdateBody),
    valid("param", Params),
    async (c) => {
      const b = c.req.valid("json");
      const [secret] = await Secret.update(c.get("actor"), scope(c.get("actor"), b), [
        {
          key: c.req.valid("param").secretName,
          value: b.secretValue,
          comment: b.secretComment,
          newKey: b.newSecretName,
        },
      ]);
      return c.json({ secret }, 200);
    },
  )
  .delete(
    "/raw/:secretName",
    describe({
      summary: "Delete a secret (its versions stay, by id); the body says where, as the SDK sends it",
      responses: { 200: json(One, "The deleted secret"), ...errors, ...missing, ...changed, ...notJson },
    }),
    valid("json", Secret.DeleteBody),
    valid("param", Params),
    async (c) => {
      const b = c.req.valid("json");
      const [secret] = await Secret.remove(c.get("actor"), scope(c.get("actor"), b), [c.req.valid("param").secretName]);
      return c.json({ secret }, 200);
    },
  )
  .post(
    "/batch/raw",
    describe({
      summary: `Create up to ${Secret.maxBatch} secrets in one folder, all or none`,
      responses: {
        200: json(Many, "The new secrets, in the request's order"),
        ...errors,
        400: json(ErrorBody, "The request is invalid, or a key already exists in this folder: none is stored"),
        ...notJson,
      },
    }),
    valid("json", Secret.BatchCreateBody),
    async (c) => {
      const b = c.req.valid("json");
      const list = await Secret.create(
        c.get("actor"),
        scope(c.get("actor"), b),
        b.secrets.map((s) => ({ key: s.secretKey, value: s.secretValue, comment: s.secretComment })),
      );
      return c.json({ secrets: list }, 200);
    },
  )
  .patch(
    "/batch/raw",
    describe({
      summary: `Change or rename up to ${Secret.maxBatch} secrets of one folder, all or none`,
      responses: {
        200: json(Many, "The secrets as written, in the request's order"),
        ...errors,
        400: json(ErrorBody, "The request is invalid, or a new name is taken in this folder: none is changed"),
        404: json(ErrorBody, "A secret of the batch is not in this folder: none is changed"),
        ...changed,
        ...notJson,
      },
    }),
    valid("json", Secret.BatchUpdateBody),
    async (c) => {
      const b = c.req.valid("json");
      const list = await Secret.update(
        c.get("actor"),
        scope(c.get("actor"), b),
        b.secrets.map((s) => ({
          key: s.secretKey,
          value: s.secretValue,
          comment: s.secretComment,
          newKey: s.newSecretName,
        })),
      );
      return c.json({ secrets: list }, 200);
    },
  )
  .delete(
    "/batch/raw",
    describe({
      summary: `Delete up to ${Secret.maxBatch} secrets of one folder, all or none`,
      responses: {
        200: json(Many, "The deleted secrets"),
        ...errors,
        404: json(ErrorBody, "A secret of the batch is not in this folder: none is deleted"),
        ...changed,
        ...notJson,
      },
    }),
    valid("json", Secret.BatchDeleteBody),
    async (c) => {
      const b = c.req.valid("json");
      const list = await Secret.remove(
        c.get("actor"),
        scope(c.get("actor"), b),
        b.secrets.map((s) => s.secretKey),
      );
      return c.json({ secrets: list }, 200);
    },
  );
