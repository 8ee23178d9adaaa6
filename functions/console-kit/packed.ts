import { gzipSync } from "node:zlib";
import { type AssetName, sources } from "./assets.ts";

export type Packed = Record<AssetName, { type: string; gzip: Uint8Array<ArrayBuffer> }>;

/** Each file gzipped once: browsers are sent these bytes as they are (Content-Encoding: gzip). */
export const pack = (files: Record<AssetName, { type: string; body: string }>) => {
  const packed = {} as Packed;
  for (const [name, { type, body }] of Object.entries(files) as [AssetName, { type: string; body: string }][])
    packed[name] = { type, gzip: new Uint8Array(gzipSync(body, { level: 9 })) };
  return packed;
};

/**
 * The console's files, ready to send. In the Lambda bundle this module is replaced by the same
 * value computed at build time from the minified sources (scripts/bundle.ts), so the bundle holds
 * each file once, compressed.
 */
export const packed: Packed = pack(sources);
