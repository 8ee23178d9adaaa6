import * as Health from "@app/core/health";
import * as Layout from "@app/core/layout";
import { document } from "../http/openapi.ts";
import { finish, service } from "../http/service.ts";
import { appConnections } from "./app-connections.ts";
import { audit } from "./audit.ts";
import { connections } from "./connections.ts";
import { consoleRoutes } from "./console/index.tsx";
import { docs } from "./docs.tsx";
import { webhooks } from "./webhooks.ts";

export type { Env } from "../http/service.ts";
export { onError } from "../http/service.ts";

export const app = service();

app.get("/health", async (c) => {
  const checks = await Health.check();
  const ok = Object.values(checks).every((v) => v === "ok");
  return c.json({ status: ok ? "ok" : "unavailable", checks }, ok ? 200 : 503);
});

app.route("/api/v1/app-connections", appConnections);
app.route("/api/v1/app-connections/railway", connections);
app.route("/api/v1/audit-logs", audit);
app.route("/api/v1/webhooks", webhooks);

let openapi: ReturnType<typeof document> | undefined;
app.get(Layout.openapi.api, (c) => {
  openapi ??= document(app, { title: "Railway App Connections", version: "1.0.0" });
  return c.json(openapi);
});

app.get("/docs", docs);

// The web console: HTML pages over the same core, signed in with a session cookie, not a bearer key.
app.route("/", consoleRoutes);

finish(app);
