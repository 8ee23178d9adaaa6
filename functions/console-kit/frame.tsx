/**
 * What every console page shares, in whichever Lambda serves it (the API's connections, the
 * secrets function's secrets and syncs): the session cookie, CSRF, headers, the page and its errors.
 */
import { VisibleError } from "@app/core/error";
import { log } from "@app/core/log";
import * as Session from "@app/core/session";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { statusOf } from "../http/status.ts";
import { ErrorPage, type Notice } from "./layout.tsx";

export type ConsoleEnv = { Variables: { requestId: string; session: Session.Info; sessionSecret: string } };
export type C = Context<ConsoleEnv>;

/**
 * Cookies are `Secure` and `__Host-` prefixed, except when the console is opened over plain
 * http on this machine (`npm run dev`), where a browser would refuse to store a Secure cookie.
 */
const loopback = (c: C) => {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
};
export const cookieName = (c: C, name: string) => (loopback(c) ? `rwc_${name}` : `__Host-rwc_${name}`);
export const cookieOptions = (c: C, maxAge: number) =>
  ({ path: "/", httpOnly: true, secure: !loopback(c), sameSite: "Strict", maxAge }) as const;

export const page = (c: C, body: JSX.Element, status: ContentfulStatusCode = 200) =>
  c.html(html`<!DOCTYPE html>${body}`, status);

export const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The notice a redirect named (`?notice=`), from a page's own table of them. */
export const notice = (c: C, table: Record<string, Notice>) => {
  const key = c.req.query("notice") ?? "";
  return Object.hasOwn(table, key) ? table[key] : undefined;
};

export const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  // Hono's "/x/*" also matches "/x", so a page under both patterns comes here twice: read once.
  if (c.get("session")) return next();
  const secret = getCookie(c, cookieName(c, "session"));
  const session = await Session.fromSecret(secret);
  if (!session || !secret) {
    if (c.req.path.endsWith("/fragment")) return c.text("Sign in again", 401);
    return c.redirect(c.req.method === "GET" ? "/console/sign-in" : "/console/sign-in?notice=expired", 303);
  }
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    const body = await c.req.parseBody();
    if (!Session.matches(session.csrfToken, body._csrf))
      throw new HTTPException(403, { message: "The form did not carry this session's token" });
  }
  c.set("session", session);
  c.set("sessionSecret", secret);
  await next();
};

/** A form of at most `maxSize` bytes; a secret's value needs more than the connection forms. */
export const formLimit = (maxSize = 16 * 1024) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new HTTPException(413, { message: "The form is too large" });
    },
  });

// What hono/secure-headers sent with this policy, as constants: its code was 3 KiB of the API's bundle.
const secure = Object.entries({
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Download-Options": "noopen",
  "X-Frame-Options": "SAMEORIGIN",
  "X-Permitted-Cross-Domain-Policies": "none",
  "X-XSS-Protection": "0",
});

export const headers: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of secure) c.res.headers.set(name, value);
  if (!c.res.headers.has("cache-control")) c.header("Cache-Control", "no-store");
};

/** The console's page for a path it does not serve. */
export const notFound = async (c: C) => {
  const session = await Session.fromSecret(getCookie(c, cookieName(c, "session")));
  return page(
    c,
    <ErrorPage title="Page not found" message="There is no such page in the console." session={session} />,
    404,
  );
};

/** Every console error as a page; VisibleError keeps its status, anything else is a 500 with the request id. */
export const onError = (err: Error, c: C) => {
  const session = c.get("session");
  if (err instanceof VisibleError) {
    const status = statusOf[err.kind];
    if (status >= 500)
      log.warn("console request failed", { requestId: c.get("requestId"), code: err.code, cause: String(err.cause) });
    const title = status === 404 ? "Not found" : status >= 500 ? "Something went wrong" : "That did not work";
    return page(c, <ErrorPage title={title} message={err.message} session={session} />, status);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const forbidden = err.status === 403;
    return page(
      c,
      <ErrorPage
        title={forbidden ? "Request refused" : "Bad request"}
        message={
          forbidden
            ? "This form did not come from this console's current session, so nothing was changed. Reload the page and try again."
            : err.message || "The request could not be read."
        }
        session={session}
      />,
      err.status as ContentfulStatusCode,
    );
  }
  const requestId = c.get("requestId");
  log.error("console error", { requestId, error: err instanceof Error ? err.name : "unknown" });
  return page(
    c,
    <ErrorPage
      title="Something went wrong"
      message={`An internal error occurred (request id ${requestId}). Try again.`}
      session={session}
    />,
    500,
  );
};
