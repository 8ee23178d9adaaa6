import * as Access from "@app/core/access";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { describe, ErrorBody, json, valid } from "../http/openapi.ts";
import type { Env } from "../http/service.ts";

const refused = {
  400: json(ErrorBody, "The body is invalid; the message names the field"),
  401: json(ErrorBody, "The credentials or the token are not valid"),
  415: json(ErrorBody, "The body is not JSON"),
};

/** The prior art SDK's sign-in: `/api/v1/auth/universal-auth/login`, `/api/v1/auth/token/renew` and `/revoke`. */
export const auth = new Hono<Env>()
  .post(
    "/universal-auth/login",
    describe({
      summary: "Exchange an API key's client id and secret for an access token",
      responses: { 200: json(Access.TokenAnswer, "A new access token"), ...refused },
    }),
    valid("json", Access.LoginInput),
    async (c) => c.json(await Access.login(c.req.valid("json")), 200),
  )
  .post(
    "/token/renew",
    describe({
      summary: "Extend a live access token by its TTL, up to its maximum",
      responses: { 200: json(Access.TokenAnswer, "The same token, with its new expiry"), ...refused },
    }),
    valid("json", Access.TokenInput),
    async (c) => c.json(await Access.renew(c.req.valid("json")), 200),
  )
  .post(
    "/token/revoke",
    describe({
      summary: "End an access token at once",
      responses: { 200: json(z.object({ message: z.string() }), "The token no longer works"), ...refused },
    }),
    valid("json", Access.TokenInput),
    async (c) => {
      await Access.revoke(c.req.valid("json"));
      return c.json({ message: "Successfully revoked access token" }, 200);
    },
  );
