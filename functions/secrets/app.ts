import * as Layout from "@app/core/layout";
import { document } from "../http/openapi.ts";
import { finish, service } from "../http/service.ts";
import { auth } from "./auth.ts";
import { imports } from "./imports.ts";
import { secrets } from "./raw.ts";
import { syncs } from "./syncs.ts";

/**
 * The secrets API (the prior art's raw secrets routes) and the SDK's sign-in: a Lambda of its
 * own behind the same URL (packages/core/src/layout `routes`), so that the API's bundle does not
 * carry the secrets' code. The sign-in routes take their credentials in the body.
 */
const open = ["/api/v1/auth"];
export const app = service(open);

app.route("/api/v3/secrets", secrets);
app.route("/api/v2/secret-imports", imports);
app.route("/api/v1/auth", auth);
app.route("/api/v1/secret-syncs", syncs);

/** The OpenAPI document of the JSON routes above; the API's /docs shows it beside the API's own. */
let openapi: ReturnType<typeof document> | undefined;
app.get(Layout.openapi.secrets, (c) => {
  openapi ??= withOpenRoutes(
    document(app, { title: "Railway App Connections: secrets and secret syncs", version: "1.0.0" }),
  );
  return c.json(openapi);
});

/** The sign-in routes take no API key (their credentials are in the body). */
function withOpenRoutes(doc: ReturnType<typeof document>) {
  for (const [path, operations] of Object.entries(doc.paths))
    if (open.some((prefix) => path.startsWith(prefix)))
      for (const operation of Object.values(operations)) operation.security = [];
  return doc;
}

finish(app);
