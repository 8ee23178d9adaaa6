/**
 * Who may import what, checked by `npm run deps` (part of `npm test`). See docs/architecture.md.
 *
 * The core's modules stand on floors: a module imports its own floor and the floors below it,
 * never one above. Every folder of packages/core/src has a floor; a new one must be given one.
 */
const floors = [
  // 0: plumbing that knows no AWS client and no concept
  ["error", "log", "env", "resource", "policy", "layout", "page"],
  // 1: the AWS clients, each built in one module
  ["dynamo", "queue", "crypto"],
  // 2: services the concepts share
  ["audit", "apikey", "session", "access", "railway", "app", "health"],
  // 3: the domain's concepts (event joins every concept's events.ts, so it stands with them)
  [
    "event",
    "connection",
    "secret",
    "secret-import",
    "project",
    "sync",
    "webhook",
    "ratelimit",
    "verification",
    "maintenance",
  ],
];

/** The Lambdas the local run may start: functions/package.json's exports, as paths. */
const entryPoints = Object.values(require("./functions/package.json").exports).map((file) =>
  `functions/${file.replace(/^\.\//, "")}`.replace(/[.]/g, "\\."),
);

const core = (modules) => `^packages/core/src/(${modules.join("|")})/`;
const placed = floors.flat();

const forbid = (name, comment, from, to) => ({ name, comment, severity: "error", from, to });

const layering = floors
  .slice(0, -1)
  .map((modules, floor) =>
    forbid(
      `core-floor-${floor}-not-up`,
      `A floor-${floor} core module (${modules.join(", ")}) imports only from floor ${floor} or below.`,
      { path: core(modules) },
      { path: core(floors.slice(floor + 1).flat()) },
    ),
  );

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid(
      "no-cycle",
      "No import cycle in packages/ or functions/; type-only imports (erased at build) do not count.",
      {},
      { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    ),
    forbid(
      "resolvable",
      "Every import resolves (aws-lambda aside: @types/aws-lambda, types only); an @app/functions path functions/package.json does not export does not.",
      {},
      { couldNotResolve: true, pathNot: "^aws-lambda$" },
    ),
    ...layering,
    forbid(
      "core-floor-unknown",
      "Every folder of packages/core/src stands on a floor (.dependency-cruiser.cjs `floors`).",
      { path: "^packages/core/src/", pathNot: core(placed) },
      {},
    ),
    forbid(
      "core-floor-unknown-target",
      "Every folder of packages/core/src stands on a floor (.dependency-cruiser.cjs `floors`).",
      {},
      { path: "^packages/core/src/", pathNot: core(placed) },
    ),
    forbid(
      "core-is-the-bottom",
      "packages/core imports no other package of this repo and no Lambda.",
      { path: "^packages/core/" },
      { path: "^(packages/(local|railway-standin)|functions)/" },
    ),
    forbid(
      "packages-not-into-functions",
      "No package imports functions/; the one exception is the local run (packages/local), through @app/functions's exports.",
      { path: "^packages/", pathNot: "^packages/local/" },
      { path: "^functions/" },
    ),
    forbid(
      "local-not-by-relative-path",
      "packages/local imports functions/ as @app/functions/<entry>, never by a relative path.",
      { path: "^packages/local/" },
      { path: "^functions/", dependencyTypes: ["local"] },
    ),
    forbid(
      "local-only-function-entry-points",
      "packages/local imports only the entry points functions/package.json exports.",
      { path: "^packages/local/" },
      { path: "^functions/", pathNot: `^(${entryPoints.join("|")})$` },
    ),
    forbid(
      "shared-bases-not-up",
      "functions/http (the Lambdas' HTTP base) and functions/console-kit (the console's frame) import no Lambda's own code.",
      { path: "^functions/(http|console-kit)/" },
      { path: "^functions/", pathNot: "^functions/(http|console-kit)/" },
    ),
    forbid(
      "http-not-console",
      "The HTTP base serves APIs that have no console: it does not import the console's kit.",
      { path: "^functions/http/" },
      { path: "^functions/console-kit/" },
    ),
    forbid(
      "api-is-its-own",
      "functions/api/ is the API Lambda's own: no other Lambda imports it (the shared code is http/, console-kit/).",
      { path: "^functions/", pathNot: "^functions/api/" },
      { path: "^functions/api/" },
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    combinedDependencies: false,
    cache: false,
    progress: { type: "none" },
  },
};
