import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The local run serves the API reference's script itself, from the exact-pinned npm package, so
 * that /docs works with no internet. The API Lambda never imports this: deployed, /docs loads the
 * same version from jsDelivr (functions/api/docs.tsx), and its bundle does not carry 4.8 MB.
 */
export const scriptPath = "/docs/scalar-standalone.js";
export const scriptFile = join(
  dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")),
  "browser/standalone.js",
);

let script: Promise<Buffer> | undefined;

/** Wraps the app's fetch so that `scriptPath` answers with the script; tells /docs to use it. */
export function serveReferenceScript<A extends unknown[]>(
  fetch: (request: Request, ...rest: A) => Response | Promise<Response>,
) {
  process.env.DOCS_SCRIPT_URL = scriptPath;
  return async (request: Request, ...rest: A) => {
    if (new URL(request.url).pathname !== scriptPath || !["GET", "HEAD"].includes(request.method))
      return fetch(request, ...rest);
    script ??= readFile(scriptFile);
    return new Response(new Uint8Array(await script), {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" },
    });
  };
}
