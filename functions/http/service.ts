/**
 * What every HTTP Lambda behind the one URL shares (the API and the secrets API): request ids,
 * the request log line, API-key authentication of /api, JSON bodies only, and one error mapping.
 */
import * as ApiKey from "@app/core/apikey";
import { VisibleError } from "@app/core/error";
import { log } from "@app/core/log";
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { Hono } from "hono/tiny";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBody, statusOf } from "./status.ts";

export type Env = { Variables: { actor: ApiKey.Actor } };

/**
 * A Hono app with the shared middleware. Paths under `open` (prefixes) are reached without an
 * API key: the sign-in routes, which take credentials in their body.
 */
export function service(open: readonly string[] = []) {
  const app = new Hono<Env>();
  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log.info("request", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  app.use("/api/*", async (c, next) => {
    if (open.some((prefix) => c.req.path.startsWith(prefix))) return next();
    const [scheme, secret] = (c.req.header("authorization") ?? "").split(" ", 2);
    const actor = scheme?.toLowerCase() === "bearer" && secret ? await ApiKey.authenticate(secret) : undefined;
    if (!actor)
      throw new VisibleError(
        "unauthenticated",
        "unauthenticated",
        "Send a valid API key as 'Authorization: Bearer <api key>'",
      );
    c.set("actor", actor);
    await next();
  });
  // DELETE too: the secrets SDK sends its DELETE parameters as a JSON body.
  app.on(["POST", "PATCH", "PUT", "DELETE"], "/api/*", async (c, next) => {
    const hasBody = Number(c.req.header("content-length") ?? 0) > 0 || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !/^application\/([\w.+-]*\+)?json\b/i.test(c.req.header("content-type") ?? ""))
      throw new VisibleError(
        "unsupported-format",
        "unsupported_media_type",
        "The request body must be JSON, sent with 'Content-Type: application/json'",
      );
    await next();
  });
  app.onError(onError);
  return app;
}

/** Answers what no route matched: 405 with `Allow` where the path exists, else 404. Call after the routes. */
export function finish(app: Hono<Env>) {
  app.notFound((c) => {
    // The most specific route path that matches (a static segment beats a parameter) decides.
    const paths = app.routes.filter((r) => r.method !== "ALL" && pattern(r.path).test(c.req.path)).map((r) => r.path);
    const best = paths.sort((a, b) => params(a) - params(b))[0];
    if (!best) throw new VisibleError("not-found", "route_not_found", "No such route");
    const allowed = [...new Set(app.routes.filter((r) => r.path === best && r.method !== "ALL").map((r) => r.method))];
    c.header("Allow", allowed.join(", "));
    return fail(c, 405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(", ")}`);
  });
  return app;
}

const params = (path: string) => path.split(":").length;
const pattern = (path: string) => new RegExp(`^${path.replace(/:[^/]+/g, "[^/]+")}$`);

const fail = (c: Context, status: ContentfulStatusCode, ...rest: [string, string, VisibleError["details"]?]) =>
  c.json(errorBody(c.get("requestId"), status, ...rest), status);

export const onError: ErrorHandler = (err, c) => {
  const requestId = c.get("requestId");
  if (err instanceof VisibleError) {
    const status = statusOf[err.kind];
    if (status >= 500) log.warn("request failed", { requestId, code: err.code, cause: String(err.cause) });
    return fail(c, status, err.code, err.message, err.details);
  }
  if (err instanceof HTTPException && err.status < 500)
    return fail(c, err.status, /json/i.test(err.message) ? "malformed_json" : "bad_request", err.message);
  log.error("unhandled error", { requestId, error: err instanceof Error ? err.name : "unknown" });
  return fail(c, 500, "internal_error", `Internal error (request id ${requestId})`);
};
