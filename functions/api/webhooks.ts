import { Webhook } from "@app/core/webhook";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "./app.ts";
import { ErrorBody, json, PageQuery } from "./openapi.ts";

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key"),
  403: json(ErrorBody, "The API key is limited to projects; webhooks need an org-wide key"),
  404: json(ErrorBody, "No such webhook endpoint in the caller's org"),
};

const One = z.object({ webhook: Webhook.Info });
const WithSecret = One.extend({
  secret: z.string().meta({
    description: "The signing secret (Standard Webhooks format). Shown only in this response.",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  }),
});
const webhookId = z
  .string()
  .meta({ param: { name: "webhookId", in: "path" }, example: "3f1c7a52-8c1e-4b5e-9a8e-2f4d6b7c8d9e" });
const Params = z.object({ webhookId });

export const webhooks = new OpenAPIHono<Env>()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Subscribe an endpoint to connection events; the signing secret is returned once",
      request: { body: { required: true, content: { "application/json": { schema: Webhook.CreateInput } } } },
      responses: {
        201: json(WithSecret, "The endpoint, and its signing secret"),
        ...errors,
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    async (c) => c.json(await Webhook.create(c.get("actor"), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "The org's webhook endpoints",
      responses: { 200: json(z.object({ webhooks: z.array(Webhook.Info) }), "Every endpoint"), ...errors },
    }),
    async (c) => c.json({ webhooks: await Webhook.list(c.get("actor")) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{webhookId}",
      summary: "One webhook endpoint",
      request: { params: Params },
      responses: { 200: json(One, "The endpoint"), ...errors },
    }),
    async (c) => c.json({ webhook: await Webhook.fromID(c.get("actor"), c.req.valid("param").webhookId) }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{webhookId}",
      summary: "Change the URL, description, event types, or enable/disable",
      request: {
        params: Params,
        body: { required: true, content: { "application/json": { schema: Webhook.UpdateInput } } },
      },
      responses: {
        200: json(One, "The updated endpoint"),
        ...errors,
        409: json(ErrorBody, "The endpoint changed while this request ran"),
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    async (c) =>
      c.json(
        { webhook: await Webhook.update(c.get("actor"), c.req.valid("param").webhookId, c.req.valid("json")) },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{webhookId}",
      summary: "Delete an endpoint; returns what was deleted",
      request: { params: Params },
      responses: { 200: json(One, "The deleted endpoint"), ...errors },
    }),
    async (c) => c.json({ webhook: await Webhook.remove(c.get("actor"), c.req.valid("param").webhookId) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{webhookId}/rotate-secret",
      summary: "A new signing secret; the previous one also signs deliveries for 24 hours",
      request: { params: Params },
      responses: {
        200: json(WithSecret, "The endpoint, and its new signing secret"),
        ...errors,
        409: json(ErrorBody, "The endpoint changed while this request ran"),
      },
    }),
    async (c) => c.json(await Webhook.rotateSecret(c.get("actor"), c.req.valid("param").webhookId), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{webhookId}/deliveries",
      summary: "The endpoint's delivery attempts, newest first",
      request: { params: Params, query: PageQuery },
      responses: {
        200: json(
          z.object({ deliveries: z.array(Webhook.Delivery), nextCursor: z.string().nullable() }),
          "A page of attempts; pass nextCursor as cursor for the next",
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { items, cursor } = await Webhook.deliveries(
        c.get("actor"),
        c.req.valid("param").webhookId,
        c.req.valid("query"),
      );
      return c.json({ deliveries: items, nextCursor: cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{webhookId}/deliveries/{deliveryId}/redeliver",
      summary: "Send a delivery's event to this endpoint again",
      request: {
        params: Params.extend({
          deliveryId: z
            .string()
            .meta({ param: { name: "deliveryId", in: "path" }, example: "001795200000000-a1b2c3d4e5f6" }),
        }),
      },
      responses: {
        202: json(z.object({ eventId: z.string() }), "Queued"),
        ...errors,
        409: json(ErrorBody, "The endpoint is disabled, or the event is no longer kept"),
      },
    }),
    async (c) => {
      const { webhookId: id, deliveryId } = c.req.valid("param");
      return c.json(await Webhook.redeliver(c.get("actor"), id, deliveryId), 202);
    },
  );
