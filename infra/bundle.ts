import { execFileSync } from "node:child_process";
import { join } from "node:path";

export type Handler =
  | "api"
  | "secrets"
  | "console"
  | "verify"
  | "dead-letter"
  | "maintenance"
  | "webhook-delivery"
  | "sync"
  | "sync-dead-letter"
  | "stream";

const sources: Record<Handler, string> = {
  api: "functions/api/index.handler",
  secrets: "functions/secrets/index.handler",
  console: "functions/console/index.handler",
  verify: "functions/verify.handler",
  "dead-letter": "functions/dead-letter.handler",
  maintenance: "functions/maintenance.handler",
  "webhook-delivery": "functions/webhook-delivery.handler",
  sync: "functions/sync.handler",
  "sync-dead-letter": "functions/sync-dead-letter.handler",
  stream: "functions/stream.handler",
};

let built = false;

/** What every function runs on. */
const defaults = { runtime: "nodejs24.x", architecture: "arm64" } as const;

/**
 * A function's code and the runtime every function shares. Deployed stages ship what `npm run bundle` writes to dist/ (the bundles that
 * `npm run bench:bundles` measures), rebuilt here so that a deploy never ships a stale dist/.
 * `sst dev` builds from source instead, to keep live reload.
 */
export function code(handler: Handler) {
  if ($dev) return { ...defaults, handler: sources[handler] };
  if (!built) {
    // Only the build's errors and warnings are shown: stdout belongs to SST's program output.
    execFileSync("npm", ["run", "--silent", "bundle"], {
      cwd: $cli.paths.root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    built = true;
  }
  return { ...defaults, bundle: join($cli.paths.root, "dist", handler), handler: "index.handler" };
}
