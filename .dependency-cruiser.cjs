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

const layering = floors.slice(0, -1).map((modules, floor) => ({
  name: `core-floor-${floor}-not-up`,
  comment: `A floor-${floor} core module (${modules.join(", ")}) imports only from floor ${floor} or below.`,
  severity: "error",
  from: { path: core(modules) },
  to: { path: core(floors.slice(floor + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment: "No import cycle in packages/ or functions/; type-only imports (erased at build) do not count.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "resolvable",
      comment:
        "Every import resolves (aws-lambda aside: @types/aws-lambda, types only); an @app/functions path functions/package.json does not export does not.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^aws-lambda$" },
    },
    ...layering,
    {
      name: "core-floor-unknown",
      comment: "Every folder of packages/core/src stands on a floor (.dependency-cruiser.cjs `floors`).",
      severity: "error",
      from: { path: "^packages/core/src/", pathNot: core(placed) },
      to: {},
    },
    {
      name: "core-floor-unknown-target",
      comment: "Every folder of packages/core/src stands on a floor (.dependency-cruiser.cjs `floors`).",
      severity: "error",
      from: {},
      to: { path: "^packages/core/src/", pathNot: core(placed) },
    },
    {
      name: "core-is-the-bottom",
      comment: "packages/core imports no other package of this repo and no Lambda.",
      severity: "error",
      from: { path: "^packages/core/" },
      to: { path: "^(packages/(local|railway-standin)|functions)/" },
    },
    {
      name: "packages-not-into-functions",
      comment:
        "No package imports functions/; the one exception is the local run (packages/local), through @app/functions's exports.",
      severity: "error",
      from: { path: "^packages/", pathNot: "^packages/local/" },
      to: { path: "^functions/" },
    },
    {
      name: "local-not-by-relative-path",
      comment: "packages/local imports functions/ as @app/functions/<entry>, never by a relative path.",
      severity: "error",
      from: { path: "^packages/local/" },
      to: { path: "^functions/", dependencyTypes: ["local"] },
    },
    {
      name: "local-only-function-entry-points",
      comment: "packages/local imports only the entry points functions/package.json exports.",
      severity: "error",
      from: { path: "^packages/local/" },
      to: { path: "^functions/", pathNot: `^(${entryPoints.join("|")})$` },
    },
    {
      name: "shared-bases-not-up",
      comment:
        "functions/http (the Lambdas' HTTP base) and functions/console-kit (the console's frame) import no Lambda's own code.",
      severity: "error",
      from: { path: "^functions/(http|console-kit)/" },
      to: { path: "^functions/", pathNot: "^functions/(http|console-kit)/" },
    },
    {
      name: "http-not-console",
      comment: "The HTTP base serves APIs that have no console: it does not import the console's kit.",
      severity: "error",
      from: { path: "^functions/http/" },
      to: { path: "^functions/console-kit/" },
    },
    {
      name: "api-is-its-own",
      comment:
        "functions/api/ is the API Lambda's own: no other Lambda imports it (the shared code is http/, console-kit/).",
      severity: "error",
      from: { path: "^functions/", pathNot: "^functions/api/" },
      to: { path: "^functions/api/" },
    },
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
