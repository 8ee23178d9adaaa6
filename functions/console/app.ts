import { finish, service } from "../http/service.ts";
import { secretsConsole } from "../secrets/console.tsx";
import { syncsConsole } from "../secrets/syncs-console.tsx";

/**
 * The console's Secrets and secret-sync pages (HTML over the same core, signed in with the
 * console's session cookie): a Lambda of their own behind the same URL (packages/core/src/layout
 * `routes`), so that neither the API's nor the secrets API's bundle carries them.
 */
export const app = service();
app.route("/", secretsConsole);
app.route("/", syncsConsole);
finish(app);
