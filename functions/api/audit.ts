import { Audit } from "@app/core/audit";
import { Page } from "@app/core/page";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "./app.ts";
import { ErrorBody, json, PageQuery } from "./openapi.ts";

export const audit = new OpenAPIHono<Env>().openapi(
  createRoute({
    method: "get",
    path: "/",
    summary: "The org's audit log, newest first",
    request: {
      query: PageQuery.extend({
        connectionId: z
          .uuid()
          .optional()
          .meta({ param: { name: "connectionId", in: "query" } }),
      }),
    },
    responses: {
      200: json(z.object({ auditLogs: z.array(Audit.Entry), nextCursor: z.string().nullable() }), "A page of entries"),
      400: json(ErrorBody, "The request is invalid"),
      401: json(ErrorBody, "No valid API key"),
    },
  }),
  async (c) => {
    const actor = c.get("actor");
    const query = c.req.valid("query");
    const { items, cursor } = await Audit.list(actor.orgId, {
      ...query,
      limit: query.limit ?? Page.Limit.default,
      projectIds: actor.projectIds,
    });
    return c.json({ auditLogs: items, nextCursor: cursor }, 200);
  },
);
