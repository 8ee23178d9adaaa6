import * as Connection from "@app/core/connection";
import * as Railway from "@app/core/railway";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, json, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";
import { errors, List, ListQuery } from "./connections.ts";

/** The routes shared by every app, as the prior art's web app calls them; Railway is the only app so far. */
const options = {
  appConnectionOptions: [{ name: "Railway", app: "railway", methods: Railway.Method.options }],
};

export const appConnections = new Hono<Env>()
  .get(
    "/options",
    describe({
      summary: "The apps one can connect, with their methods",
      responses: {
        200: json(
          z.object({
            appConnectionOptions: z.array(
              z.object({ name: z.string(), app: z.string(), methods: z.array(z.string()) }),
            ),
          }),
          "One entry per app",
        ),
        401: errors[401],
      },
    }),
    valid("query", z.object({ projectType: z.optional(z.string()) })),
    (c) => c.json(options, 200),
  )
  .get(
    "/",
    describe({
      summary: "The caller's connections of every app, newest first",
      responses: { 200: List, 400: errors[400], 401: errors[401] },
    }),
    valid("query", ListQuery),
    async (c) => {
      const { items, cursor } = await Connection.list(c.get("actor"), c.req.valid("query"));
      return c.json({ appConnections: items, nextCursor: cursor }, 200);
    },
  );
