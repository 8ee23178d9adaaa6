import { finish, service } from "../api/service.ts";
import { auth } from "./auth.ts";
import { secretsConsole } from "./console.tsx";
import { secrets } from "./raw.ts";
import { syncs } from "./syncs.ts";
import { syncsConsole } from "./syncs-console.tsx";

/**
 * The secrets API (the prior art's raw secrets routes) and the SDK's sign-in: a Lambda of its
 * own behind the same URL (packages/core/src/layout `routes`), so that the API's bundle does not
 * carry the secrets' code. The sign-in routes take their credentials in the body.
 */
export const app = service(["/api/v1/auth"]);

app.route("/api/v3/secrets", secrets);
app.route("/api/v1/auth", auth);
app.route("/api/v1/secret-syncs", syncs);
// The console's Secrets and secret-sync pages: HTML over the same core, signed in with the console's session cookie.
app.route("/", secretsConsole);
app.route("/", syncsConsole);

finish(app);
