import * as Connection from "@app/core/connection";
import * as Railway from "@app/core/railway";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, PageQuery, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

export const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key"),
  404: json(ErrorBody, "No such connection in the caller's org and projects"),
};

const One = z.object({ appConnection: Connection.Info });
const Params = z.object({
  connectionId: z.string().check(z.meta({ example: "0b0f2a4e-5a43-4e53-9d4c-39a0d9c5d1b7" })),
});
const ProjectFilter = z.object({ projectId: z.optional(z.uuid()) });
export const ListQuery = z.extend(PageQuery, ProjectFilter.shape);
export const List = json(
  z.object({ appConnections: z.array(Connection.Info), nextCursor: z.nullable(z.string()) }),
  "A page of connections; pass nextCursor as cursor for the next",
);
const IdempotencyHeader = z.object({
  "idempotency-key": z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(255),
        z.regex(/^[\x21-\x7e]+$/, "must be 1..255 visible ASCII characters"),
        z.meta({ description: "Retries with the same key and body return the first connection." }),
      ),
  ),
});

/** The caller and the connection of the path: what every verb on one connection takes first. */
const caller = (c: Context<Env>) => [c.get("actor"), c.req.param("connectionId") ?? ""] as const;

const location = (id: string) => `/api/v1/app-connections/railway/${id}`;

export const connections = new Hono<Env>()
  .post(
    "/",
    describe({
      summary: "Create a Railway connection; its token is verified in the background",
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
    valid("header", IdempotencyHeader),
    valid("json", Connection.CreateInput),
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
  .get(
    "/",
    describe({
      summary: "The caller's connections, newest first",
      responses: {
        200: List,
        ...errors,
      },
    }),
    valid("query", ListQuery),
    async (c) => {
      const { items, cursor } = await Connection.list(c.get("actor"), c.req.valid("query"));
      return c.json({ appConnections: items, nextCursor: cursor }, 200);
    },
  )
  .get(
    "/available",
    describe({
      summary: "The active connections the caller may use, in one project with projectId",
      responses: {
        200: json(z.object({ appConnections: z.array(Connection.Summary) }), "Active connections"),
        400: errors[400],
        401: errors[401],
      },
    }),
    valid("query", ProjectFilter),
    async (c) =>
      c.json({ appConnections: await Connection.available(c.get("actor"), c.req.valid("query").projectId) }, 200),
  )
  .get(
    "/connection-name/:connectionName",
    describe({
      summary: "One connection by name, within a project or (without projectId) the org",
      responses: { 200: json(One, "The connection"), ...errors },
    }),
    valid("param", z.object({ connectionName: z.string().check(z.meta({ example: "my-railway-connection" })) })),
    valid("query", ProjectFilter),
    async (c) => {
      const { connectionName } = c.req.valid("param");
      const { projectId } = c.req.valid("query");
      return c.json(
        { appConnection: await Connection.fromName(c.get("actor"), connectionName, projectId ?? null) },
        200,
      );
    },
  )
  .get(
    "/:connectionId",
    describe({
      summary: "One connection, with its verification status",
      responses: { 200: json(One, "The connection"), ...errors },
    }),
    valid("param", Params),
    async (c) => c.json({ appConnection: await Connection.fromID(...caller(c)) }, 200),
  )
  .patch(
    "/:connectionId",
    describe({
      summary: "Rename, describe, or rotate credentials (verified in the background)",
      responses: {
        200: json(One, "The updated connection; new credentials show as rotation/pendingVerification"),
        ...errors,
        409: json(ErrorBody, "The new name is taken, or the connection kept changing"),
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    valid("param", Params),
    valid("json", Connection.UpdateInput),
    async (c) =>
      c.json(
        {
          appConnection: await Connection.update(...caller(c), c.req.valid("json")),
        },
        200,
      ),
  )
  .delete(
    "/:connectionId",
    describe({
      summary: "Delete a connection; returns what was deleted",
      responses: { 200: json(One, "The deleted connection"), ...errors },
    }),
    valid("param", Params),
    async (c) => c.json({ appConnection: await Connection.remove(...caller(c)) }, 200),
  )
  .get(
    "/:connectionId/projects",
    describe({
      summary: "The Railway projects, environments and services the connection's token reaches",
      responses: {
        200: json(z.object({ projects: z.array(Railway.Project) }), "Every project, following Railway's pagination"),
        ...errors,
        409: json(ErrorBody, "The connection is not active, or Railway rejected its token"),
        502: json(ErrorBody, "Railway could not be reached"),
      },
    }),
    valid("param", Params),
    async (c) => c.json({ projects: await Connection.projects(...caller(c)) }, 200),
  )
  .post(
    "/:connectionId/verify",
    describe({
      summary: "Verify the stored credentials again, in the background",
      responses: {
        202: json(One, "Queued; pendingVerification shows it until it settles"),
        ...errors,
        409: json(ErrorBody, "There are no stored credentials to verify"),
      },
    }),
    valid("param", Params),
    async (c) => {
      const appConnection = await Connection.requestVerification(...caller(c));
      c.header("Location", location(appConnection.id));
      return c.json({ appConnection }, 202);
    },
  );
