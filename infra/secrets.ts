import { routes } from "../packages/core/src/layout/index.ts";
import { api } from "./api";
import { code } from "./bundle";
import { credentialsKey, decryptFor, generateDataKeyFor } from "./key";
import { sendSyncJobs, syncQueue } from "./syncs";
import { table } from "./table";

/** What both functions over the secrets store may do, and need. */
const overSecrets = {
  memory: "1024 MB",
  timeout: "30 seconds",
  url: { authorization: "none", cors: false },
  link: [table, credentialsKey, syncQueue],
  permissions: [
    // Generates each project environment's data key once and unwraps it to read and write values;
    // it seals nothing with the key itself, and opens no other purpose's blobs.
    generateDataKeyFor("secret-data-key"),
    decryptFor("secret-data-key"),
    // The secret-sync routes and pages queue sync jobs (ids only).
    sendSyncJobs(),
  ],
} satisfies Partial<sst.aws.FunctionArgs>;

export const secrets = new sst.aws.Function("Secrets", {
  ...code("secrets"),
  description: "Railway App Connections: the raw secrets API",
  ...overSecrets,
});

/** The console's Secrets and secret-sync pages, apart so that neither API bundle carries them. */
export const consolePages = new sst.aws.Function("Console", {
  ...code("console"),
  description: "Railway App Connections: the console's Secrets and secret-sync pages",
  ...overSecrets,
});

/**
 * One URL for the three functions: CloudFront sends the secrets API's and the console pages'
 * prefixes (layout `routes`, what the local run dispatches by too) to their functions and the
 * rest to the API. The longest matching prefix wins, so `/` is the default.
 */
export const router = new sst.aws.Router("Url");
router.route("/", api.url);
for (const prefix of routes.secrets) router.route(prefix, secrets.url);
for (const prefix of routes.console) router.route(prefix, consolePages.url);
