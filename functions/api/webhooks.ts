import * as Webhook from "@app/core/webhook";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, PageQuery, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

/** The caller and the endpoint of the path: what every verb on one endpoint takes first. */
const caller = (c: Context<Env>) => [c.get("actor"), c.req.param("webhookId") ?? ""] as const;

const errors = {
  400: json(ErrorBody, "The request is invalid; the message names the field and the rule"),
  401: json(ErrorBody, "No valid API key"),
  403: json(ErrorBody, "The API key is limited to projects; webhooks need an org-wide key"),
  404: json(ErrorBody, "No such webhook endpoint in the caller's org"),
};

const One = z.object({ webhook: Webhook.Info });
const WithSecret = z.extend(One, {
  secret: z.string().check(
    z.meta({
      description: "The signing secret (Standard Webhooks format). Shown only in this response.",
      example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }),
  ),
});
const Params = z.object({
  webhookId: z.string().check(z.meta({ example: "3f1c7a52-8c1e-4b5e-9a8e-2f4d6b7c8d9e" })),
});

export const webhooks = new Hono<Env>()
  .post(
    "/",
    describe({
      summary: "Subscribe an endpoint to connection events; the signing secret is returned once",
      responses: {
        201: json(WithSecret, "The endpoint, and its signing secret"),
        ...errors,
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    valid("json", Webhook.CreateInput),
    async (c) => c.json(await Webhook.create(c.get("actor"), c.req.valid("json")), 201),
  )
  .get(
    "/",
    describe({
      summary: "The org's webhook endpoints",
      responses: { 200: json(z.object({ webhooks: z.array(Webhook.Info) }), "Every endpoint"), ...errors },
    }),
    async (c) => c.json({ webhooks: await Webhook.list(c.get("actor")) }, 200),
  )
  .get(
    "/:webhookId",
    describe({ summary: "One webhook endpoint", responses: { 200: json(One, "The endpoint"), ...errors } }),
    valid("param", Params),
    async (c) => c.json({ webhook: await Webhook.fromID(...caller(c)) }, 200),
  )
  .patch(
    "/:webhookId",
    describe({
      summary: "Change the URL, description, event types, or enable/disable",
      responses: {
        200: json(One, "The updated endpoint"),
        ...errors,
        409: json(ErrorBody, "The endpoint changed while this request ran"),
        415: json(ErrorBody, "The body is not JSON"),
      },
    }),
    valid("param", Params),
    valid("json", Webhook.UpdateInput),
    async (c) => c.json({ webhook: await Webhook.update(...caller(c), c.req.valid("json")) }, 200),
  )
  .delete(
    "/:webhookId",
    describe({
      summary: "Delete an endpoint; returns what was deleted",
      responses: { 200: json(One, "The deleted endpoint"), ...errors },
    }),
    valid("param", Params),
    async (c) => c.json({ webhook: await Webhook.remove(...caller(c)) }, 200),
  )
  .post(
    "/:webhookId/rotate-secret",
    describe({
      summary: "A new signing secret; the previous one also signs deliveries for 24 hours",
      responses: {
        200: json(WithSecret, "The endpoint, and its new signing secret"),
        ...errors,
        409: json(ErrorBody, "The endpoint changed while this request ran"),
      },
    }),
    valid("param", Params),
    async (c) => c.json(await Webhook.rotateSecret(...caller(c)), 200),
  )
  .get(
    "/:webhookId/deliveries",
    describe({
      summary: "The endpoint's delivery attempts, newest first",
      responses: {
        200: json(
          z.object({ deliveries: z.array(Webhook.Delivery), nextCursor: z.nullable(z.string()) }),
          "A page of attempts; pass nextCursor as cursor for the next",
        ),
        ...errors,
      },
    }),
    valid("param", Params),
    valid("query", PageQuery),
    async (c) => {
      const { items, cursor } = await Webhook.deliveries(...caller(c), c.req.valid("query"));
      return c.json({ deliveries: items, nextCursor: cursor }, 200);
    },
  )
  .post(
    "/:webhookId/deliveries/:deliveryId/redeliver",
    describe({
      summary: "Send a delivery's event to this endpoint again",
      responses: {
        202: json(z.object({ eventId: z.string() }), "Queued"),
        ...errors,
        409: json(ErrorBody, "The endpoint is disabled, or the event is no longer kept"),
      },
    }),
    valid(
      "param",
      z.extend(Params, { deliveryId: z.string().check(z.meta({ example: "001795200000000-a1b2c3d4e5f6" })) }),
    ),
    async (c) => {
      const { webhookId: id, deliveryId } = c.req.valid("param");
      return c.json(await Webhook.redeliver(c.get("actor"), id, deliveryId), 202);
    },
  );
