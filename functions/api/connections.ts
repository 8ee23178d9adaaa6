import { Connection } from "@app/core/connection";
import { Railway } from "@app/core/railway";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "./app.ts";
import { ErrorBody, json, PageQuery } from "./openapi.ts";

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key"),
  404: json(ErrorBody, "No such connection in the caller's org and projects"),
};

const One = z.object({ appConnection: Connection.Info });
const Params = z.object({
  connectionId: z
    .string()
    .meta({ param: { name: "connectionId", in: "path" }, example: "0b0f2a4e-5a43-4e53-9d4c-39a0d9c5d1b7" }),
});
const ProjectFilter = z.object({
  projectId: z
    .uuid()
    .optional()
    .meta({ param: { name: "projectId", in: "query" } }),
});
const ListQuery = PageQuery.extend(ProjectFilter.shape);
const IdempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be 1..255 visible ASCII characters")
    .optional()
    .meta({
      description: "Retries with the same key and body return the first connection.",
    }),
});

const location = (id: string) => `/api/v1/app-connections/railway/${id}`;

export const connections = new OpenAPIHono<Env>()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a Railway connection; its token is verified in the background",
      request: {
        headers: IdempotencyHeader,
        body: { required: true, content: { "application/json": { schema: Connection.CreateInput } } },
      },
      responses: {
        202: {
          ...json(One, "Stored as pending; poll the Location until status is active or failed"),
          headers: { Location: { schema: { type: "string" }, description: "The connection's URL" } },
        },
        ...errors,
        403: json(ErrorBody, "The API key may not use this project"),
        409: json(ErrorBody, "A connection with this name already exists"),
        415: json(ErrorBody, "The body is not JSON"),
        422: json(ErrorBody, "The Idempotency-Key was used with another body"),
      },
    }),
    async (c) => {
      const { connection, replayed } = await Connection.create(
        c.get("actor"),
        c.req.valid("json"),
        c.req.valid("header")["idempotency-key"],
      );
      c.header("Location", location(connection.id));
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json({ appConnection: connection }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "The caller's connections, newest first",
      request: { query: ListQuery },
      responses: {
        200: json(
          z.object({ appConnections: z.array(Connection.Info), nextCursor: z.string().nullable() }),
          "A page of connections; pass nextCursor as cursor for the next",
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { items, cursor } = await Connection.list(c.get("actor"), c.req.valid("query"));
      return c.json({ appConnections: items, nextCursor: cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/available",
      summary: "The active connections the caller may use",
      responses: {
        200: json(z.object({ appConnections: z.array(Connection.Summary) }), "Active connections"),
        401: errors[401],
      },
    }),
    async (c) => c.json({ appConnections: await Connection.available(c.get("actor")) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/connection-name/{connectionName}",
      summary: "One connection by name, within a project or (without projectId) the org",
      request: {
        params: z.object({
          connectionName: z
            .string()
            .meta({ param: { name: "connectionName", in: "path" }, example: "my-railway-connection" }),
        }),
        query: ProjectFilter,
      },
      responses: { 200: json(One, "The connection"), ...errors },
    }),
    async (c) => {
      const { connectionName } = c.req.valid("param");
      const { projectId } = c.req.valid("query");
      return c.json(
        { appConnection: await Connection.fromName(c.get("actor"), connectionName, projectId ?? null) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{connectionId}",
      summary: "One connection, with its verification status",
      request: { params: Params },
      responses: { 200: json(One, "The connection"), ...errors },
    }),
    async (c) =>
      c.json({ appConnection: await Connection.fromID(c.get("actor"), c.req.valid("param").connectionId) }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{connectionId}",
      summary: "Rename, describe, or rotate credentials (verified in the background)",
      request: {
        params: Params,
        body: { required: true, content: { "application/json": { schema: Connection.UpdateInput } } },
      },
      responses: {
        200: json(One, "The updated connection; new credentials show as rotation/pendingVerification"),
        ...errors,
        409: json(ErrorBody, "The new name is taken, or the connection kept changing"),
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    async (c) =>
      c.json(
        {
          appConnection: await Connection.update(
            c.get("actor"),
            c.req.valid("param").connectionId,
            c.req.valid("json"),
          ),
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{connectionId}",
      summary: "Delete a connection; returns what was deleted",
      request: { params: Params },
      responses: { 200: json(One, "The deleted connection"), ...errors },
    }),
    async (c) =>
      c.json({ appConnection: await Connection.remove(c.get("actor"), c.req.valid("param").connectionId) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{connectionId}/projects",
      summary: "The Railway projects, environments and services the connection's token reaches",
      request: { params: Params },
      responses: {
        200: json(z.object({ projects: z.array(Railway.Project) }), "Every project, following Railway's pagination"),
        ...errors,
        409: json(ErrorBody, "The connection is not active, or Railway rejected its token"),
        502: json(ErrorBody, "Railway could not be reached"),
      },
    }),
    async (c) =>
      c.json({ projects: await Connection.projects(c.get("actor"), c.req.valid("param").connectionId) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{connectionId}/verify",
      summary: "Verify the stored credentials again, in the background",
      request: { params: Params },
      responses: {
        202: json(One, "Queued; pendingVerification shows it until it settles"),
        ...errors,
        409: json(ErrorBody, "There are no stored credentials to verify"),
      },
    }),
    async (c) => {
      const appConnection = await Connection.requestVerification(c.get("actor"), c.req.valid("param").connectionId);
      c.header("Location", location(appConnection.id));
      return c.json({ appConnection }, 202);
    },
  );
