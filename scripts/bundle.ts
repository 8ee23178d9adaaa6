import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";

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
  verify: "functions/verify.ts",
  "dead-letter": "functions/dead-letter.ts",
  maintenance: "functions/maintenance.ts",
  "webhook-delivery": "functions/webhook-delivery.ts",
} as const;
export type Handler = keyof typeof handlers;

/**
 * zod's `z` is one namespace object; esbuild keeps all of it once it is used as a value (as
 * @hono/zod-openapi does), and with it `z.locales`: error messages in 64 languages, 258 KiB of
 * the 444 KiB zod adds. The app uses English (zod's default), so the locale index keeps only `en`;
 * code asking for another locale fails to bundle rather than at run time.
 */
const englishOnlyZod: Plugin = {
  name: "english-only-zod",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), "../locales/index.js"), namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * esbuild drops the unused parts of zod for `import * as z from "zod"` but keeps all of it for
 * `import { z } from "zod"` (z is then a value: the whole namespace). The two are the same object
 * to the code that uses them, so the app's own modules are bundled with the first form: the
 * workers then carry 90 KiB of zod instead of 186. (The API keeps all of zod either way:
 * @hono/zod-openapi passes `z` itself to extendZodWithOpenApi.)
 */
const zodNamespaceImport: Plugin = {
  name: "zod-namespace-import",
  setup(b) {
    const own = /[\\/](packages[\\/][^\\/]+[\\/]src|functions)[\\/][^.]*\.ts$/;
    b.onLoad({ filter: own }, (args) =>
      args.path.startsWith(root) && !args.path.includes("node_modules")
        ? {
            contents: readFileSync(args.path, "utf8").replace(
              /^import \{ z \} from "zod";$/m,
              'import * as z from "zod";',
            ),
            loader: "ts",
          }
        : undefined,
    );
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
  plugins: [englishOnlyZod, zodNamespaceImport],
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
