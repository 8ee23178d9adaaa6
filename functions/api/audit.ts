import * as Audit from "@app/core/audit";
import * as Page from "@app/core/page";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, PageQuery, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

export const audit = new Hono<Env>().get(
  "/",
  describe({
    summary: "The org's audit log, newest first",
    responses: {
      200: json(z.object({ auditLogs: z.array(Audit.Entry), nextCursor: z.nullable(z.string()) }), "A page of entries"),
      400: json(ErrorBody, "The request is invalid"),
      401: json(ErrorBody, "No valid API key"),
    },
  }),
  valid("query", z.extend(PageQuery, { connectionId: z.optional(z.uuid()) })),
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
