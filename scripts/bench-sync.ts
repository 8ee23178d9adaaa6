/**
 * Secret syncs, measured on a system of their own (a fresh table: the main bench's thousands of
 * items would make moto, not the sync, the figure):
 * - Railway requests per sync of 1, 100 and 1,000 secrets: the first sync, a change of one
 *   secret, a delete of one (counted, so deterministic); and one reconciliation period over 100
 *   syncs (`--reconcile-syncs`), all in line, then with one variable edited by hand in Railway;
 * - a secret change → Railway updated, p50 against the floor: the same secret write through the
 *   API, then the same Railway calls (read, upsert) issued directly, one after the other.
 * - what a secret write and a sync of 10 changed secrets cost in AWS requests (the counting
 *   middleware of scripts/count-requests.ts, as bench:scale counts the connection's operations);
 * - the reference fan-out (`--fanout 20`): one change to a secret that 20 folders refer to, each
 *   folder with an auto-sync into its own service: the time until the last destination holds the
 *   new value, and the Railway and AWS requests per sync (`--fanout-changes` changes, one at a time).
 * `npm run bench` runs it after the connection rows; `npm run bench:sync -- --changes 20` alone;
 * `--only fanout` (or `sizes,reconcile,latency,cost,fanout`) runs only those parts.
 */
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { freePort } from "@app/local/ports";
import { startStack } from "@app/local/stack";
import { RailwayStandin } from "@app/railway-standin";
import { type Counts, describeCounts, dollars, RequestCounter, requestsOf, total } from "./count-requests.ts";

const { values } = parseArgs({
  options: {
    changes: { type: "string", default: "20" },
    sizes: { type: "string", default: "1,100,1000" },
    "reconcile-syncs": { type: "string", default: "100" },
    fanout: { type: "string", default: "20" },
    "fanout-changes": { type: "string", default: "3" },
    only: { type: "string" },
    log: { type: "string" },
  },
});
const changes = Number(values.changes);
const sizes = values.sizes.split(",").map(Number);
const reconcileSyncs = Number(values["reconcile-syncs"]);
const fanout = Number(values.fanout);
const fanoutChanges = Number(values["fanout-changes"]);
const parts = values.only?.split(",");
const runs = (part: "sizes" | "reconcile" | "latency" | "cost" | "fanout") => !parts || parts.includes(part);
const write = process.stdout.write.bind(process.stdout);
const say = (line: string) => write(`${line}\n`);
// The stack logs every request (JSON lines); the figures are what this script prints.
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (!String(chunk).startsWith("{")) return write(chunk, ...rest);
  if (values.log) appendFileSync(values.log, chunk);
  return true;
}) as typeof process.stdout.write;

const railway = await RailwayStandin.start();
// The debounce that coalesces a burst is a window by design: the latency row measures the
// machinery (stream → queue → worker → Railway), and the README adds the window beside it.
// A reconciliation run queues every sync at once here: the pace is a setting, the requests are the figure.
Object.assign(process.env, {
  RAILWAY_API_URL: railway.url,
  SYNC_DEBOUNCE_SECONDS: "0",
  SYNC_RECONCILE_PER_SECOND: "0",
});
const stack = await startStack({ port: 0, prefix: "benchsync", motoPort: await freePort(), pollSeconds: 1 });
const Variables = await import("@app/core/railway/variables");
const counter = await RequestCounter.attach();

const api = async (path: string, init: { method?: string; json?: unknown } = {}) => {
  const res = await fetch(`${stack.url}${path}`, {
    method: init.method ?? (init.json ? "POST" : "GET"),
    headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
    ...(init.json ? { body: JSON.stringify(init.json) } : {}),
  });
  if (!res.ok) throw new Error(`bench: ${init.method ?? "GET"} ${path} answered ${res.status}: ${await res.text()}`);
  // biome-ignore lint/suspicious/noExplicitAny: the answers are read as the README documents them.
  return res.json() as Promise<Record<string, any>>;
};
const until = async <T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 300_000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const user = railway.addUser();
const workspace = railway.addWorkspace(user.id);
const connection = (
  await api("/api/v1/app-connections/railway", {
    json: { name: "bench-sync", method: "team-token", credentials: { apiToken: workspace.workspaceToken } },
  })
).appConnection.id as string;
await until("the connection", async () => {
  const c = (await api(`/api/v1/app-connections/railway/${connection}`)).appConnection;
  return c.status === "active" ? c : undefined;
});

/** A Railway service with a hand-set variable, and a source folder of `size` secrets. */
async function destination(name: string, size: number) {
  const project = railway.addProject(workspace.id, { environments: ["production"], services: ["api"] });
  const scope = {
    projectId: project.id,
    environmentId: project.environments[0]?.id ?? "",
    serviceId: project.services[0]?.id ?? "",
  };
  railway.setVariables(scope, { HAND_SET: "by-hand" });
  const secrets = Array.from({ length: size }, (_, i) => ({ secretKey: `K${i}`, secretValue: `v${i}-1` }));
  for (let i = 0; i < secrets.length; i += 25)
    await api("/api/v3/secrets/batch/raw", {
      json: { workspaceId: name, environment: "prod", secretPath: "/", secrets: secrets.slice(i, i + 25) },
    });
  return scope;
}

const setSecret = (project: string, key: string, value: string) =>
  api(`/api/v3/secrets/raw/${key}`, {
    method: "PATCH",
    json: { workspaceId: project, environment: "prod", secretPath: "/", secretValue: value },
  });

/**
 * Until the system is quiet: the stream has handled every event written so far (the syncs a
 * write queues are part of its cost), and the sync has no run pending or under way (its redeploy
 * after the upsert included).
 */
async function settle(project: string) {
  await stack.streamCaughtUp();
  await until(
    "the project's syncs to finish",
    async () => {
      const { secretSyncs } = await api(`/api/v1/secret-syncs?projectId=${project}`);
      return secretSyncs.some((s: { syncStatus: string }) => s.syncStatus === "pending" || s.syncStatus === "running")
        ? undefined
        : true;
    },
    1_800_000,
  );
}

/** A sync of the project's `/` in prod (named as the project) into `scope`; its first run starts at once. */
const createSync = (project: string, scope: Awaited<ReturnType<typeof destination>>) =>
  api("/api/v1/secret-syncs/railway", {
    json: {
      name: project,
      projectId: project,
      connectionId: connection,
      environment: "prod",
      secretPath: "/",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: scope,
    },
  });

/**
 * Railway's requests, by operation, while `act` runs, the destination comes to hold `expect` and
 * the project's syncs are quiet.
 */
async function counted(
  project: string,
  scope: Awaited<ReturnType<typeof destination>>,
  expect: (vars: Record<string, string>) => boolean,
  act: () => Promise<unknown>,
) {
  const before = railway.requests.length;
  const deploys = railway.deployments.length;
  await act();
  await until("Railway to equal the source", () => (expect(railway.getVariables(scope)) ? true : undefined), 1_800_000);
  await settle(project);
  // One sync at a time here: every request of the window is this sync's (a redeploy names only a deployment).
  const mine = railway.requests.slice(before);
  const by = (field: string) => mine.filter((r) => r.fields.includes(field)).length;
  const redeploys = railway.deployments.slice(deploys).filter((d) => d.projectId === scope.projectId).length;
  return {
    reads: by("variables"),
    upserts: by("variableCollectionUpsert"),
    deletes: by("variableDelete"),
    deploymentReads: by("deployments"),
    redeploys,
    total: mine.length,
  };
}

const table: string[] = [];
const columns = ["reads", "upserts", "deletes", "deployment reads", "deploys started", "requests"];
table.push(`| sync | ${columns.join(" | ")} |`, `|---|${columns.map(() => "---:").join("|")}|`);
const line = (what: string, c: Awaited<ReturnType<typeof counted>>) =>
  table.push(`| ${what} | ${[c.reads, c.upserts, c.deletes, c.deploymentReads, c.redeploys, c.total].join(" | ")} |`);

for (const size of runs("sizes") ? sizes : []) {
  const project = `bench-${size}`;
  const scope = await destination(project, size);
  await stack.streamCaughtUp(); // the folder's writes, watched by no sync yet, are not this sync's
  const first = await counted(
    project,
    scope,
    (v) => v[`K${size - 1}`] === `v${size - 1}-1` && v.K0 === "v0-1",
    () => createSync(project, scope),
  );
  line(`first sync of ${size}`, first);
  line(
    `a change of 1 of ${size}`,
    await counted(
      project,
      scope,
      (v) => v.K0 === "v0-2",
      () => setSecret(project, "K0", "v0-2"),
    ),
  );
  line(
    `a delete of 1 of ${size}`,
    await counted(
      project,
      scope,
      (v) => !("K0" in v),
      () =>
        api("/api/v3/secrets/raw/K0", {
          method: "DELETE",
          json: { workspaceId: project, environment: "prod", secretPath: "/" },
        }),
    ),
  );
  const hand = railway.getVariables(scope).HAND_SET;
  if (hand !== "by-hand") throw new Error(`bench: the hand-set variable of ${project} was touched`);
}

// ---- one reconciliation period over 100 syncs (functions/maintenance.ts's run, its pages, the worker) ----
if (runs("reconcile")) {
  const reconciled = await Promise.all(
    Array.from({ length: reconcileSyncs }, async (_, i) => {
      const project = `bench-reconcile-${i}`;
      const scope = await destination(project, 2);
      const sync = (await createSync(project, scope)).secretSync.id as string;
      return { project, scope, sync };
    }),
  );
  for (const r of reconciled) await settle(r.project);
  const maintenance = await import("../functions/maintenance.ts");
  /** Railway's requests about the reconciled projects while one run reconciles them all. */
  async function period(what: string) {
    const ours = new Set(reconciled.map((r) => r.scope.projectId));
    const before = railway.requests.length;
    const deploys = railway.deployments.length;
    const synced = new Map(
      await Promise.all(
        reconciled.map(
          async (r) => [r.sync, (await api(`/api/v1/secret-syncs/railway/${r.sync}`)).secretSync.lastSyncedAt] as const,
        ),
      ),
    );
    await maintenance.reconcile();
    for (const r of reconciled)
      await until(`${r.project}'s reconcile`, async () => {
        const s = (await api(`/api/v1/secret-syncs/railway/${r.sync}`)).secretSync;
        return s.lastSyncedAt !== synced.get(r.sync) && s.syncStatus === "succeeded" ? true : undefined;
      });
    for (const r of reconciled) await settle(r.project);
    const mine = railway.requests
      .slice(before)
      .filter((q) => [...ours].some((id) => JSON.stringify(q.variables ?? {}).includes(id)));
    const by = (field: string) => mine.filter((q) => q.fields.includes(field)).length;
    const redeploys = railway.deployments.slice(deploys).filter((d) => ours.has(d.projectId)).length;
    line(what, {
      reads: by("variables"),
      upserts: by("variableCollectionUpsert"),
      deletes: by("variableDelete"),
      deploymentReads: by("deployments"),
      redeploys,
      // A redeploy names only its deployment: counted by the stand-in's deployments, added here.
      total: mine.length + redeploys,
    });
  }
  await period(`a reconciliation period over ${reconcileSyncs} syncs, all in line`);
  const edited = reconciled[0]?.scope;
  if (edited) {
    railway.setVariables(edited, { K0: "edited-by-hand" });
    await period(`a reconciliation period over ${reconcileSyncs} syncs, 1 edited by hand`);
    if (railway.getVariables(edited).K0 !== "v0-1") throw new Error("bench: the drift was not corrected");
  }
}

// ---- a change → Railway updated, against the floor ----
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1] ?? Number.NaN;
const ours: number[] = [];
const floor: number[] = [];
if (runs("latency")) {
  const synced = await destination("bench-latency", 5);
  const direct = await destination("bench-floor", 5);
  await createSync("bench-latency", synced);
  await settle("bench-latency");
  for (let i = 0; i < changes; i++) {
    const value = `changed-${i}`;
    let t = performance.now();
    await setSecret("bench-latency", "K1", value);
    await until("the change in Railway", () => (railway.getVariables(synced).K1 === value ? true : undefined));
    ours.push(performance.now() - t);
    // The floor: the same write, then what a sync must ask Railway, with nothing in between.
    t = performance.now();
    await setSecret("bench-floor", "K1", value);
    const current = await Variables.read("team-token", workspace.workspaceToken, direct);
    if (current.K1 !== value) await Variables.upsert("team-token", workspace.workspaceToken, direct, { K1: value });
    floor.push(performance.now() - t);
  }
}

// ---- what a write and a sync cost in AWS requests ----
const costs: Record<string, Counts> = {};
if (runs("cost")) {
  await destination("bench-cost-write", 1);
  await stack.streamCaughtUp();
  let before = counter.snapshot();
  await setSecret("bench-cost-write", "K0", "written-once");
  await stack.streamCaughtUp();
  costs["secret write (PATCH, its event included)"] = counter.since(before);
  // A batch write of 10 into a folder no sync watches, then the same into one a sync watches: the
  // difference is the sync's (the stream's trigger, the queue, the worker).
  const changedTen = Array.from({ length: 10 }, (_, i) => ({ secretKey: `K${i}`, secretValue: `v${i}-2` }));
  const batchWrite = (project: string) =>
    api("/api/v3/secrets/batch/raw", {
      method: "PATCH",
      json: { workspaceId: project, environment: "prod", secretPath: "/", secrets: changedTen },
    });
  await destination("bench-cost-batch", 10);
  await stack.streamCaughtUp();
  before = counter.snapshot();
  await batchWrite("bench-cost-batch");
  await stack.streamCaughtUp();
  const unwatched = counter.since(before);
  costs["batch write of 10 secrets (PATCH, its events included)"] = unwatched;
  const ten = await destination("bench-cost-sync", 10);
  await createSync("bench-cost-sync", ten);
  await settle("bench-cost-sync");
  before = counter.snapshot();
  await batchWrite("bench-cost-sync");
  await until("the 10 changes in Railway", () => (railway.getVariables(ten).K9 === "v9-2" ? true : undefined));
  await settle("bench-cost-sync");
  costs["sync of 10 changed secrets (the stream's trigger, the queue, the worker)"] = counter.since(
    unwatched,
    counter.since(before),
  );
}

// ---- reference fan-out: one change to a secret that N folders refer to, each synced into its own service ----
const fanoutRows: string[] = [];
if (runs("fanout") && fanout > 0) {
  const project = "bench-fanout";
  const app = railway.addProject(workspace.id, {
    environments: ["production"],
    services: Array.from({ length: fanout }, (_, i) => `svc-${i}`),
  });
  const scopes = app.services.map((s) => ({
    projectId: app.id,
    environmentId: app.environments[0]?.id ?? "",
    serviceId: s.id,
  }));
  const shared = { workspaceId: project, environment: "prod", secretPath: "/shared" };
  await api("/api/v3/secrets/raw/DB_HOST", { json: { ...shared, secretValue: "db-0" } });
  for (const [i, scope] of scopes.entries()) {
    await api("/api/v3/secrets/raw/DATABASE_URL", {
      json: {
        workspaceId: project,
        environment: "prod",
        secretPath: `/svc-${i}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, ${env.folder.KEY}
        secretValue: "postgres://${prod.shared.DB_HOST}/app",
      },
    });
    await api("/api/v1/secret-syncs/railway", {
      json: {
        name: `fanout-${i}`,
        projectId: project,
        connectionId: connection,
        environment: "prod",
        secretPath: `/svc-${i}`,
        syncOptions: { initialSyncBehavior: "overwrite-destination" },
        destinationConfig: scope,
      },
    });
  }
  const holding = (value: string) =>
    scopes.filter((s) => railway.getVariables(s).DATABASE_URL === `postgres://${value}/app`).length;
  await until("the first syncs", () => (holding("db-0") === fanout ? true : undefined), 1_800_000);
  await settle(project);
  const lasts: number[] = [];
  const firsts: number[] = [];
  let railwayRequests = 0;
  let redeploys = 0;
  let aws: Counts | undefined;
  for (let r = 1; r <= fanoutChanges; r++) {
    const value = `db-${r}`;
    const before = railway.requests.length;
    const deploys = railway.deployments.length;
    const counts = counter.snapshot();
    const t = performance.now();
    await api("/api/v3/secrets/raw/DB_HOST", { method: "PATCH", json: { ...shared, secretValue: value } });
    let first: number | undefined;
    await until("every destination to hold the change", () => {
      const n = holding(value);
      if (n > 0) first ??= performance.now() - t;
      return n === fanout ? true : undefined;
    });
    lasts.push(performance.now() - t);
    firsts.push(first ?? Number.NaN);
    await settle(project);
    // Whatever the stream and the worker did for this change, until every sync was quiet again.
    aws = counter.since(counts);
    railwayRequests += railway.requests
      .slice(before)
      .filter((q) => JSON.stringify(q.variables ?? {}).includes(app.id)).length;
    redeploys += railway.deployments.slice(deploys).filter((d) => d.projectId === app.id).length;
  }
  const perSync = (n: number) => +(n / (fanout * fanoutChanges)).toFixed(2);
  const t = aws ? total(aws) : undefined;
  fanoutRows.push(
    `\nreference fan-out: a change to 1 secret that ${fanout} folders refer to, each folder synced into its own service (${fanoutChanges} changes, one at a time, debounce 0)\n`,
    "| measure | value |",
    "|---|---:|",
    `| change → last of ${fanout} destinations updated, p50 | ${quantile(lasts, 0.5).toFixed(0)} ms |`,
    `| change → last of ${fanout} destinations updated, max | ${Math.max(...lasts).toFixed(0)} ms |`,
    `| change → first destination updated, p50 | ${quantile(firsts, 0.5).toFixed(0)} ms |`,
    `| Railway requests per sync (redeploys included) | ${perSync(railwayRequests + redeploys)} |`,
    `| AWS requests per sync (the last change: write, stream, fan-out, queue, worker) | ${t ? +(t.requests / fanout).toFixed(2) : "-"} |`,
  );
  if (aws) fanoutRows.push(`- the last change, all ${fanout} syncs: ${describeCounts(aws)}`);
  fanoutRows.push(`(each change: last destination at ${lasts.map((x) => x.toFixed(0)).join(", ")} ms)`);
}

if (table.length > 2) {
  say("\nsecret syncs: Railway requests per sync (a fresh system; Railway has one hand-set variable per service)\n");
  for (const row of table) say(row);
}
if (ours.length) {
  const p50 = { ours: quantile(ours, 0.5), floor: quantile(floor, 0.5) };
  say(`\n| measure | ours | floor | ratio |\n|---|---:|---:|---:|`);
  say(
    `| secret change → Railway variable updated, p50 of ${changes} (debounce 0) | ${p50.ours.toFixed(0)} ms | ${p50.floor.toFixed(0)} ms | ${(p50.ours / p50.floor).toFixed(2)}× |`,
  );
  say(`(p99: ours ${quantile(ours, 0.99).toFixed(0)} ms, floor ${quantile(floor, 0.99).toFixed(0)} ms)`);
}
if (Object.keys(costs).length)
  say(
    "\n| operation | requests | DynamoDB RRU | DynamoDB WRU | KMS | SQS | $ per million |\n|---|---:|---:|---:|---:|---:|---:|",
  );
for (const [what, counts] of Object.entries(costs)) {
  const t = total(counts);
  // Lambda invocations: the secrets function's and the stream's for a write; the sync worker's for a sync.
  const lambda = what.startsWith("sync") ? 1 : 2;
  say(
    `| ${what} | ${+t.requests.toFixed(2)} | ${+t.rru.toFixed(2)} | ${+t.wru.toFixed(2)} | ${requestsOf(counts, "KMS")} | ${requestsOf(counts, "SQS")} | ${(dollars({ counts, lambda }) * 1e6).toFixed(2)} |`,
  );
}
for (const [what, counts] of Object.entries(costs)) say(`- ${what}: ${describeCounts(counts)}`);
for (const row of fanoutRows) say(row);
await stack.stop();
await railway.close();
process.exit(0);
