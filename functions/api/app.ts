import * as ApiKey from "@app/core/apikey";
import { VisibleError } from "@app/core/error";
import * as Health from "@app/core/health";
import { log } from "@app/core/log";
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { Hono } from "hono/tiny";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { appConnections } from "./app-connections.ts";
import { audit } from "./audit.ts";
import { connections } from "./connections.ts";
import { consoleRoutes } from "./console/index.tsx";
import { docs } from "./docs.tsx";
import { document } from "./openapi.ts";
import { errorBody, statusOf } from "./status.ts";
import { webhooks } from "./webhooks.ts";

export type Env = { Variables: { actor: ApiKey.Actor } };

export const app = new Hono<Env>();

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

app.get("/health", async (c) => {
  const checks = await Health.check();
  const ok = Object.values(checks).every((v) => v === "ok");
  return c.json({ status: ok ? "ok" : "unavailable", checks }, ok ? 200 : 503);
});

app.use("/api/*", async (c, next) => {
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

app.on(["POST", "PATCH", "PUT"], "/api/*", async (c, next) => {
  const hasBody = Number(c.req.header("content-length") ?? 0) > 0 || c.req.header("transfer-encoding") !== undefined;
  if (hasBody && !/^application\/([\w.+-]*\+)?json\b/i.test(c.req.header("content-type") ?? ""))
    throw new VisibleError(
      "unsupported-format",
      "unsupported_media_type",
      "The request body must be JSON, sent with 'Content-Type: application/json'",
    );
  await next();
});

app.route("/api/v1/app-connections", appConnections);
app.route("/api/v1/app-connections/railway", connections);
app.route("/api/v1/audit-logs", audit);
app.route("/api/v1/webhooks", webhooks);

let openapi: ReturnType<typeof document> | undefined;
app.get("/openapi.json", (c) => {
  openapi ??= document(app, { title: "Railway App Connections", version: "1.0.0" });
  return c.json(openapi);
});

app.get("/docs", docs);

// The web console: HTML pages over the same core, signed in with a session cookie, not a bearer key.
app.route("/", consoleRoutes);

app.notFound((c) => {
  // The most specific route path that matches (a static segment beats a parameter) decides.
  const paths = app.routes.filter((r) => r.method !== "ALL" && pattern(r.path).test(c.req.path)).map((r) => r.path);
  const best = paths.sort((a, b) => params(a) - params(b))[0];
  if (!best) throw new VisibleError("not-found", "route_not_found", "No such route");
  const allowed = [...new Set(app.routes.filter((r) => r.path === best && r.method !== "ALL").map((r) => r.method))];
  c.header("Allow", allowed.join(", "));
  return fail(c, 405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(", ")}`);
});

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
app.onError(onError);
