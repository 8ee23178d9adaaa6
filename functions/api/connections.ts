import { Connection } from "@app/core/connection";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "./app.ts";

const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key"),
  404: json(ErrorBody, "No such connection in the caller's org"),
};

const One = z.object({ appConnection: Connection.Info });
const ConnectionID = z.object({ connectionId: z.string().meta({ example: "0b0f2a4e-5a43-4e53-9d4c-39a0d9c5d1b7" }) });

export const connections = new OpenAPIHono<Env>()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a Railway connection; its token is verified in the background",
      request: { body: { required: true, content: { "application/json": { schema: Connection.CreateInput } } } },
      responses: {
        202: {
          ...json(One, "Stored as pending; poll the Location until status is active or failed"),
          headers: { Location: { schema: { type: "string" }, description: "The new connection's URL" } },
        },
        ...errors,
        409: json(ErrorBody, "A connection with this name already exists"),
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    async (c) => {
      const appConnection = await Connection.create(c.get("actor").orgId, c.req.valid("json"));
      c.header("Location", `/api/v1/app-connections/railway/${appConnection.id}`);
      return c.json({ appConnection }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{connectionId}",
      summary: "One connection, with its verification status",
      request: { params: ConnectionID },
      responses: { 200: json(One, "The connection"), ...errors },
    }),
    async (c) =>
      c.json({ appConnection: await Connection.fromID(c.get("actor").orgId, c.req.valid("param").connectionId) }, 200),
  );
