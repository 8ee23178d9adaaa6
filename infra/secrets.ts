import { routes } from "../packages/core/src/layout/index.ts";
import { api } from "./api";
import { code } from "./bundle";
import { credentialsKey, decryptFor, generateDataKeyFor } from "./key";
import { sendSyncJobs, syncQueue } from "./syncs";
import { table } from "./table";

export const secrets = new sst.aws.Function("Secrets", {
  ...code("secrets"),
  description: "Railway App Connections: the raw secrets API",
  memory: "1024 MB",
  timeout: "30 seconds",
  url: { authorization: "none", cors: false },
  link: [table, credentialsKey, syncQueue],
  permissions: [
    // Generates each project environment's data key once and unwraps it to read and write values;
    // it seals nothing with the key itself, and opens no other purpose's blobs.
    generateDataKeyFor("secret-data-key"),
    decryptFor("secret-data-key"),
    // The secret-sync routes queue sync jobs (ids only).
    sendSyncJobs(),
  ],
});

/**
 * One URL for both functions: CloudFront sends the secrets API's prefixes (layout `routes`, what
 * the local run dispatches by too) to its function and the rest to the API. The longest
 * matching prefix wins, so `/` is the default.
 */
export const router = new sst.aws.Router("Url");
router.route("/", api.url);
for (const prefix of routes.secrets) router.route(prefix, secrets.url);
