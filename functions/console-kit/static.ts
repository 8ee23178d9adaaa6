import { gunzipSync } from "node:zlib";
import type { Context } from "hono";
import type { AssetName } from "./assets.ts";
import { packed } from "./packed.ts";

/** Whether the request's Accept-Encoding allows gzip (present, and not with q=0). */
export const acceptsGzip = (header: string | undefined) =>
  (header ?? "").split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return (coding === "gzip" || coding === "*") && (q === undefined || Number(q.slice(2)) > 0);
  });

/** GET /console/assets/:name — compressed for the browsers that accept it (all of them), else plain. */
export function serveAsset(c: Context) {
  const name = c.req.param("name") ?? "";
  if (!Object.hasOwn(packed, name)) return c.text("Not found", 404);
  const file = packed[name as AssetName];
  c.header("Content-Type", file.type);
  c.header("Cache-Control", "public, max-age=31536000, immutable");
  c.header("Vary", "Accept-Encoding");
  if (!acceptsGzip(c.req.header("accept-encoding"))) return c.body(gunzipSync(file.gzip));
  c.header("Content-Encoding", "gzip");
  return c.body(file.gzip);
}
