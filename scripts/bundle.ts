import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BuildOptions, build, type Plugin, transform } from "esbuild";
import type { Packed } from "../functions/console-kit/packed.ts";

/**
 * Bundles each Lambda handler into dist/<name>/index.mjs, what infra/ deploys. The AWS SDK is
 * bundled too rather than taken from the Lambda runtime: the runtime's copy is whatever version
 * AWS ships at the time, not the one the tests ran against, and loading it unbundled reads
 * hundreds of files at cold start. `npm run bench:bundles` measures against a floor that bundles
 * the same clients.
 */
export const root = join(import.meta.dirname, "..");
export const dist = join(root, "dist");

export const handlers = {
  api: "functions/api/index.ts",
  secrets: "functions/secrets/index.ts",
  console: "functions/console/index.ts",
  verify: "functions/verify.ts",
  "dead-letter": "functions/dead-letter.ts",
  maintenance: "functions/maintenance.ts",
  "webhook-delivery": "functions/webhook-delivery.ts",
  sync: "functions/sync.ts",
  "sync-dead-letter": "functions/sync-dead-letter.ts",
  stream: "functions/stream.ts",
} as const;
export type Handler = keyof typeof handlers;

/**
 * The console's CSS, script and icon go into the bundle minified and gzipped, as the browser is
 * sent them: functions/console-kit/packed.ts computes them at import from the readable sources
 * when run from source, and is replaced here by the value computed at build time.
 */
let prepacked: Promise<{ packed: Packed; version: string }> | undefined;
async function prepack() {
  const { sources } = await import("../functions/console-kit/assets.ts");
  const { pack } = await import("../functions/console-kit/packed.ts");
  const minified = { ...sources };
  for (const [name, file] of Object.entries(sources) as [keyof typeof sources, { type: string; body: string }][]) {
    const loader = name.endsWith(".css") ? "css" : name.endsWith(".js") ? "js" : undefined;
    if (loader) minified[name] = { ...file, body: (await transform(file.body, { loader, minify: true })).code };
  }
  const packed = pack(minified);
  const version = createHash("sha256")
    .update(Buffer.concat(Object.values(packed).map((f) => f.gzip)))
    .digest("hex")
    .slice(0, 12);
  return { packed, version };
}

const prepackedConsoleAssets: Plugin = {
  name: "prepacked-console-assets",
  setup(b) {
    b.onLoad({ filter: /[\\/]functions[\\/]console-kit[\\/]packed\.ts$/ }, async () => {
      prepacked ??= prepack();
      const files = Object.entries((await prepacked).packed).map(
        ([name, { type, gzip }]) =>
          `${JSON.stringify(name)}: { type: ${JSON.stringify(type)}, gzip: new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(gzip).toString("base64"))}, "base64")) }`,
      );
      return { contents: `export const packed = { ${files.join(", ")} };`, loader: "js" };
    });
    // The version alone, so that a page's links do not pull the files into a bundle that does not serve them.
    b.onLoad({ filter: /[\\/]functions[\\/]console-kit[\\/]version\.ts$/ }, async () => {
      prepacked ??= prepack();
      const version = JSON.stringify((await prepacked).version);
      return {
        contents: `export const assetVersion = ${version}; export const assetUrl = (name) => "/console/assets/" + name + "?v=" + ${version};`,
        loader: "js",
      };
    });
  },
};

export const lambdaOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  treeShaking: true,
  // ESM builds of dependencies where they have one: they tree-shake better.
  mainFields: ["module", "main"],
  legalComments: "none",
  // A CommonJS dependency that calls require() for a Node built-in needs one in an ES module.
  banner: { js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);' },
  plugins: [prepackedConsoleAssets],
  logLevel: "warning",
} satisfies BuildOptions;

/** Bundles one entry point (a file, or source text) into `outdir/index.mjs`; returns its metafile. */
export async function bundle(entry: string | { contents: string }, outdir: string) {
  const result = await build({
    ...lambdaOptions,
    ...(typeof entry === "string"
      ? { entryPoints: [join(root, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: root, loader: "ts" as const } }),
    outfile: join(outdir, "index.mjs"),
    metafile: true,
  });
  return result.metafile;
}

/** Bundles every handler; the metafiles go to dist/meta/ (outside what is deployed). */
export async function bundleAll() {
  mkdirSync(join(dist, "meta"), { recursive: true });
  const metas = {} as Record<Handler, Awaited<ReturnType<typeof bundle>>>;
  for (const [name, entry] of Object.entries(handlers) as [Handler, string][]) {
    metas[name] = await bundle(entry, join(dist, name));
    writeFileSync(join(dist, "meta", `${name}.json`), JSON.stringify(metas[name]));
  }
  return metas;
}

if (import.meta.main) {
  const metas = await bundleAll();
  for (const [name, meta] of Object.entries(metas)) {
    const out = Object.values(meta.outputs)[0];
    console.log(`dist/${name}/index.mjs  ${((out?.bytes ?? 0) / 1024).toFixed(1)} KiB`);
  }
}
