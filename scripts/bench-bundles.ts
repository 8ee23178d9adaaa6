import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bundle, bundleAll, dist, type Handler } from "./bundle.ts";
import { floorFor, target } from "./floor.ts";

/**
 * Size and cold-start init of each Lambda bundle, against a floor: a handler that only imports
 * and constructs the same AWS SDK clients, bundled the same way. Init is the import of the bundle
 * plus its first invocation, in a fresh Node process, with the AWS SDK pointed at nothing real;
 * times are medians of BENCH_RUNS runs (default 15), handlers and floors interleaved, and the
 * ratios are medians of each run's ratio to the floor's run next to it. CPU time (user + system of
 * the process over the same span) is shown too: it depends less on what else the machine runs.
 *
 *   npm run bench:bundles
 */
const runs = Number(process.env.BENCH_RUNS) || 15;

type Probe = { event: unknown; expect: (result: unknown) => boolean; floorResult: string };

const httpEvent = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/api/v1/app-connections/railway",
  rawQueryString: "",
  headers: { host: "bench.lambda-url.us-east-1.on.aws", accept: "application/json" },
  requestContext: {
    accountId: "123456789012",
    apiId: "bench",
    domainName: "bench.lambda-url.us-east-1.on.aws",
    domainPrefix: "bench",
    http: { method: "GET", path: "/api/v1/app-connections/railway", protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
    requestId: "bench",
    routeKey: "$default",
    stage: "$default",
    time: "27/Nov/2026:21:00:00 +0000",
    timeEpoch: 1795813200000,
  },
  isBase64Encoded: false,
};

// No API key: the app answers 401 without calling AWS. An empty batch: the worker calls nothing.
// The maintenance, webhook and stream bundles are left out: their first call must reach DynamoDB.
const probes: Record<Exclude<Handler, "maintenance" | "webhook-delivery" | "stream">, Probe> = {
  api: {
    event: httpEvent,
    expect: (r) => (r as { statusCode?: number }).statusCode === 401,
    floorResult: "{ statusCode: 401 }",
  },
  secrets: {
    event: {
      ...httpEvent,
      rawPath: "/api/v3/secrets/raw",
      requestContext: {
        ...httpEvent.requestContext,
        http: { ...httpEvent.requestContext.http, path: "/api/v3/secrets/raw" },
      },
    },
    expect: (r) => (r as { statusCode?: number }).statusCode === 401,
    floorResult: "{ statusCode: 401 }",
  },
  // No session cookie: the page sends the browser to sign in without calling AWS.
  console: {
    event: {
      ...httpEvent,
      rawPath: "/console/secrets",
      headers: { ...httpEvent.headers, accept: "text/html" },
      requestContext: {
        ...httpEvent.requestContext,
        http: { ...httpEvent.requestContext.http, path: "/console/secrets" },
      },
    },
    expect: (r) => [302, 303].includes((r as { statusCode?: number }).statusCode ?? 0),
    floorResult: "{ statusCode: 303 }",
  },
  verify: {
    event: { Records: [] },
    expect: (r) => (r as { batchItemFailures?: unknown[] }).batchItemFailures?.length === 0,
    floorResult: "{ batchItemFailures: [] }",
  },
  "dead-letter": {
    event: { Records: [] },
    expect: (r) => (r as { batchItemFailures?: unknown[] }).batchItemFailures?.length === 0,
    floorResult: "{ batchItemFailures: [] }",
  },
  sync: {
    event: { Records: [] },
    expect: (r) => (r as { batchItemFailures?: unknown[] }).batchItemFailures?.length === 0,
    floorResult: "{ batchItemFailures: [] }",
  },
  "sync-dead-letter": {
    event: { Records: [] },
    expect: (r) => (r as { batchItemFailures?: unknown[] }).batchItemFailures?.length === 0,
    floorResult: "{ batchItemFailures: [] }",
  },
};

// What Lambda would give, with nothing reachable behind it.
const environment = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  SST_RESOURCE_App: JSON.stringify({ name: "railway-connections", stage: "bench" }),
  SST_RESOURCE_Table: JSON.stringify({ name: "bench-table" }),
  SST_RESOURCE_VerifyQueue: JSON.stringify({ url: "http://127.0.0.1:9/123456789012/bench-verify" }),
  SST_RESOURCE_CredentialsKey: JSON.stringify({ id: "alias/bench-credentials" }),
};

const child = `
const context = { functionName: "bench", functionVersion: "$LATEST", awsRequestId: "bench", memoryLimitInMB: "1024",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench", logGroupName: "bench", logStreamName: "bench",
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000, done() {}, fail() {}, succeed() {} };
const c0 = process.cpuUsage();
const t0 = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE);
const t1 = performance.now();
const result = await handler(JSON.parse(process.env.BENCH_EVENT), context);
const t2 = performance.now();
const cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stderr.write("BENCH " + JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, cpuMs, result }) + "\\n");
`;

type Sample = { importMs: number; invokeMs: number; cpuMs: number };

function measure(file: string, probe: Probe): Sample {
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", child], {
    env: { ...environment, BENCH_BUNDLE: file, BENCH_EVENT: JSON.stringify(probe.event) },
    encoding: "utf8",
    timeout: 30_000,
  });
  const line = out.stderr.split("\n").find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`${file} did not finish its first invocation:\n${out.stderr}`);
  const { importMs, invokeMs, cpuMs, result } = JSON.parse(line.slice(6));
  if (!probe.expect(result)) throw new Error(`${file} answered unexpectedly: ${JSON.stringify(result)}`);
  return { importMs, invokeMs, cpuMs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const metas = await bundleAll();
const names = Object.keys(probes) as Array<keyof typeof probes>;
const bench = join(dist, "bench");

const targets = await Promise.all(
  names.map(async (name) => {
    const { clients, source } = floorFor(metas[name], probes[name].floorResult);
    const floorDir = join(bench, `floor-${name}`);
    await bundle({ contents: source }, floorDir);
    return {
      name,
      clients,
      file: join(dist, name, "index.mjs"),
      floor: join(floorDir, "index.mjs"),
    };
  }),
);

const sizes = (file: string) => {
  const bytes = readFileSync(file);
  return { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};

const samples = new Map<string, Sample[]>();
const record = (key: string, s: Sample) => samples.set(key, [...(samples.get(key) ?? []), s]);
for (const t of targets) {
  // A first run of each warms the file system cache; it is not counted.
  measure(t.file, probes[t.name]);
  measure(t.floor, probes[t.name]);
}
for (let i = 0; i < runs; i++) {
  for (const t of targets) {
    record(t.file, measure(t.file, probes[t.name]));
    record(t.floor, measure(t.floor, probes[t.name]));
  }
}

/**
 * The median of per-run ratios: each run of a bundle is measured right next to its floor's, so a
 * change in the machine's load during the benchmark touches both sides of each ratio alike.
 */
const pairedRatio = (file: string, floor: string, of: (s: Sample) => number) => {
  const a = samples.get(file) ?? [];
  const b = samples.get(floor) ?? [];
  return median(a.map((s, i) => of(s) / of(b[i] as Sample)));
};

const summary = (file: string) => {
  const s = samples.get(file) ?? [];
  return {
    ...sizes(file),
    importMs: median(s.map((x) => x.importMs)),
    invokeMs: median(s.map((x) => x.invokeMs)),
    initMs: median(s.map((x) => x.importMs + x.invokeMs)),
    cpuMs: median(s.map((x) => x.cpuMs)),
  };
};

const results = targets.map((t) => {
  const bundle = summary(t.file);
  const floor = summary(t.floor);
  return {
    name: t.name,
    clients: t.clients,
    bundle,
    floor,
    sizeRatio: bundle.bytes / floor.bytes,
    gzipRatio: bundle.gzip / floor.gzip,
    initRatio: pairedRatio(t.file, t.floor, (x) => x.importMs + x.invokeMs),
    cpuRatio: pairedRatio(t.file, t.floor, (x) => x.cpuMs),
  };
});

const kib = (n: number) => (n / 1024).toFixed(0);
const ms = (n: number) => n.toFixed(1);
const x = (r: number) => `${r.toFixed(2)}×${r <= target ? "" : " (over)"}`;
console.log(
  `\nNode ${process.versions.node}, ${cpus().length} cores, ${runs} runs each (median); floor = same SDK clients only\n`,
);
console.log(
  "| bundle | size KiB (gzip) | floor KiB (gzip) | size ratio | init ms (import + 1st call) | floor ms | init ratio | CPU ms / floor | CPU ratio |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of results)
  console.log(
    `| ${r.name} | ${kib(r.bundle.bytes)} (${kib(r.bundle.gzip)}) | ${kib(r.floor.bytes)} (${kib(r.floor.gzip)}) | ${x(r.sizeRatio)} | ${ms(r.bundle.initMs)} (${ms(r.bundle.importMs)} + ${ms(r.bundle.invokeMs)}) | ${ms(r.floor.initMs)} | ${x(r.initRatio)} | ${ms(r.bundle.cpuMs)} / ${ms(r.floor.cpuMs)} | ${x(r.cpuRatio)} |`,
  );
mkdirSync(bench, { recursive: true });
writeFileSync(
  join(bench, "results.json"),
  JSON.stringify({ node: process.versions.node, cores: cpus().length, runs, results }, null, 2),
);
console.log(`\nfloors: ${results.map((r) => `${r.name}: ${r.clients.join(" + ")}`).join("; ")}`);
console.log(
  `within ${target}× of the floor (size and init): ${results.every((r) => r.sizeRatio <= target && r.initRatio <= target) ? "all" : "not all"}`,
);
