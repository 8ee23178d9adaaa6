import { createHash } from "node:crypto";
import type { AssetName } from "./assets.ts";
import { packed } from "./packed.ts";

/**
 * Changes whenever a file does, so the files can be cached for good. In a Lambda bundle this
 * module is replaced by its value (scripts/bundle.ts): a page links the files without carrying them.
 */
export const assetVersion = createHash("sha256")
  .update(Buffer.concat(Object.values(packed).map((f) => f.gzip)))
  .digest("hex")
  .slice(0, 12);

export const assetUrl = (name: AssetName) => `/console/assets/${name}?v=${assetVersion}`;
