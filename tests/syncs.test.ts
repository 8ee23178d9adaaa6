// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, as Railway stores it
// Secret syncs end to end: the API, the real sync queue and worker in the emulator, Railway's
// stand-in. The project's secrets come from the in-memory Source (packages/core/src/sync/source.ts)
// until the secrets store is merged; a test's call to Sync.triggered plays the store's outbox event.
import { randomUUID } from "node:crypto";
import * as Dynamo from "@app/core/dynamo";
import * as Event from "@app/core/event";
import * as Queue from "@app/core/queue";
import * as Sync from "@app/core/sync";
import { consume } from "@app/local/consumer";
import { GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import * as Railway from "./support/railway.ts";
import { connectedProject } from "./support/railway.ts";
import { settled, useStack, writeLostToStream } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();
const source = Sync.memory();
beforeAll(() => Sync.use(source));

const SECRET = "s3cr3t-value-";

/** A Railway project with a deployed `api` and a never deployed `worker`, a connection to it, and a folder. */
async function setup() {
  const { railway } = ctx;
  const { team, app, env, projectId, connectionId } = await connectedProject(ctx, {
    services: ["api", "worker"],
    undeployed: ["worker"],
  });
  const api = app.services.find((s) => s.name === "api")!;
  const worker = app.services.find((s) => s.name === "worker")!;
  const folder = { orgId: ctx.stack.orgId, projectId, environment: "prod", secretPath: "/app" };
  const scope = { projectId: app.id, environmentId: env.id, serviceId: api.id };
  // What a person set by hand, Railway's own, and a reference: never touched by a sync.
  railway.setVariables(scope, {
    HAND: "by-hand",
    RAILWAY_PUBLIC_DOMAIN: "x.up.railway.app",
    LINK: "${{shared.URL}}/x",
  });
  return { team, app, env, api, worker, projectId, connectionId, folder, scope };
}
type Setup = Awaited<ReturnType<typeof setup>>;

const untouched = { HAND: "by-hand", RAILWAY_PUBLIC_DOMAIN: "x.up.railway.app", LINK: "${{shared.URL}}/x" };

const createSync = (s: Setup, extra: Record<string, unknown> = {}, options: Record<string, unknown> = {}) =>
  Railway.createSync(
    ctx,
    s,
    { projectId: s.app.id, environmentId: s.env.id, serviceId: s.api.id },
    { syncOptions: { initialSyncBehavior: "overwrite-destination", ...options }, ...extra },
  );

const get = (id: string) => Railway.getSync(ctx, id);

/** Waits until the sync's status for `what` is settled (not pending or running). */
const done = (id: string, field = "syncStatus", timeoutMs = 15_000) =>
  until(async () => {
    const s = await get(id);
    return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
  }, timeoutMs);

const calls = (s: Setup, field: string) =>
  ctx.railway.requests.filter((r) => r.fields.includes(field) && JSON.stringify(r.variables ?? {}).includes(s.app.id))
    .length;
const redeploys = (s: Setup) => ctx.railway.deployments.filter((d) => d.projectId === s.app.id).length;

describe("the first sync", () => {
  it("overwrite-destination: writes the source in one upsert, redeploys once, leaves the rest alone", async () => {
    const s = await setup();
    source.set(s.folder, { DB: `${SECRET}db`, HAND: `${SECRET}mine` });
    const created = await createSync(s);
    expect(created).toMatchObject({
      syncStatus: "pending",
      destination: "railway",
      environment: { slug: "prod" },
      folder: { path: "/app" },
      connection: { app: "railway", id: s.connectionId },
    });
    const synced = await done(created.id);
    expect(synced.syncStatus).toBe("succeeded");
    expect(synced.lastSyncedAt).toEqual(expect.any(String));
    // HAND was in both: the source wins for it (the behaviour says so).
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, DB: `${SECRET}db`, HAND: `${SECRET}mine` });
    expect(calls(s, "variableCollectionUpsert")).toBe(1);
    expect(redeploys(s)).toBe(1);
  });

  it("import-prioritize-destination: Railway's plain names come into the store, Railway wins", async () => {
    const s = await setup();
    source.set(s.folder, { HAND: "older", NEW: "n" });
    const sync = await done((await createSync(s, {}, { initialSyncBehavior: "import-prioritize-destination" })).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(await source.read(s.folder)).toEqual({ HAND: "by-hand", NEW: "n" });
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, NEW: "n" });
  });

  it("import-prioritize-source: Railway's plain names come into the store, the source wins for names in both", async () => {
    const s = await setup();
    source.set(s.folder, { HAND: "newer", NEW: "n" });
    ctx.railway.setVariables(s.scope, { ONLY: "railway" });
    const sync = await done((await createSync(s, {}, { initialSyncBehavior: "import-prioritize-source" })).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(await source.read(s.folder)).toEqual({ HAND: "newer", NEW: "n", ONLY: "railway" });
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, HAND: "newer", NEW: "n", ONLY: "railway" });
    expect(calls(s, "variableCollectionUpsert")).toBe(1);
  });

  it("a later sync never overwrites a name someone set by hand since, and says so", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s)).id);
    ctx.railway.setVariables(s.scope, { LATER: "by-hand" });
    source.set(s.folder, { LATER: `${SECRET}later` });
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}/sync-secrets`, { method: "POST" });
    expect(res.status).toBe(200);
    await until(async () => (await get(sync.id)).lastSyncJobId !== sync.lastSyncJobId);
    const after = await done(sync.id);
    expect(after.syncStatus).toBe("succeeded");
    expect(after.lastSyncMessage).toContain("LATER (set by hand)");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "1", LATER: "by-hand" });
  });

  it("created right after its connection, as public scripts do: it waits for the verification", async () => {
    const s = await setup();
    // Railway takes a while to answer the verification: the first sync job finds the connection pending.
    ctx.railway.injectFaults({ type: "delay", ms: 1500 });
    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: {
        name: `n-${s.projectId.slice(0, 8)}`,
        method: "team-token",
        projectId: s.projectId,
        credentials: { apiToken: s.team.workspaceToken },
      },
    });
    const { appConnection } = (await res.json()) as { appConnection: { id: string; status: string } };
    expect(appConnection.status).toBe("pending");
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s, { connectionId: appConnection.id })).id, "syncStatus", 30_000);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "1" });
    expect(ctx.output.join("")).toContain(`the connection \\"n-${s.projectId.slice(0, 8)}\\" is still being verified`);
  });

  it("shared variables of the environment when there is no service: nothing to redeploy", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done(
      (await createSync(s, { destinationConfig: { projectId: s.app.id, environmentId: s.env.id } })).id,
    );
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables({ projectId: s.app.id, environmentId: s.env.id })).toEqual({ A: "1" });
    expect(redeploys(s)).toBe(0);
  });
});

describe("changes", () => {
  it("a change and a delete reach Railway; a burst of 20 gives one upsert and at most one redeploy", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1", B: "2" });
    const sync = await done((await createSync(s)).id);
    const upserts = calls(s, "variableCollectionUpsert");

    source.set(s.folder, { A: "changed" });
    source.remove(s.folder, "B");
    await Sync.triggered({ ...s.folder, path: "/app" });
    await until(async () => (await get(sync.id)).lastSyncJobId !== sync.lastSyncJobId);
    const after = await done(sync.id);
    expect(after.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "changed" });
    expect(calls(s, "variableDelete")).toBe(1);

    const before = { upserts: calls(s, "variableCollectionUpsert"), redeploys: redeploys(s) };
    expect(before.upserts).toBe(upserts + 1);
    for (let i = 1; i <= 20; i++) {
      source.set(s.folder, { A: `burst-${i}` });
      await Sync.triggered({ ...s.folder, path: "/app" });
    }
    await until(() => ctx.railway.getVariables(s.scope).A === "burst-20");
    await done(sync.id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls(s, "variableCollectionUpsert")).toBe(before.upserts + 1);
    expect(redeploys(s) - before.redeploys).toBeLessThanOrEqual(1);
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "burst-20" });
  });

  it("a change elsewhere (another folder or environment) queues nothing", async () => {
    const s = await setup();
    await createSync(s);
    expect(await Sync.triggered({ ...s.folder, path: "/other" })).toBe(0);
    expect(await Sync.triggered({ ...s.folder, environment: "dev", path: "/app" })).toBe(0);
    expect(await Sync.triggered({ ...s.folder, path: "/app" })).toBe(1);
  });
});

/** The sync's stored item, as the worker reads it. */
const stored = async (id: string) =>
  (
    await Dynamo.client.send(
      new GetCommand({ TableName: Dynamo.table(), Key: { pk: `ORG#${ctx.stack.orgId}`, sk: `SECRET_SYNC#${id}` } }),
    )
  ).Item as Record<string, any>;

describe("jobs", () => {
  it("a duplicate job changes nothing in Railway", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s)).id);
    const item = await stored(sync.id);
    const before = ctx.railway.requests.length;
    const job = {
      orgId: ctx.stack.orgId,
      syncId: sync.id,
      jobId: item.lastSyncJobId,
      kind: "sync",
      generation: item.wanted,
    };
    await Queue.send(Queue.syncs(), job);
    await Queue.send(Queue.syncs(), job);
    await new Promise((r) => setTimeout(r, 2500));
    // Requests for this sync's destination only: other tests' syncs may still be running.
    const mine = ctx.railway.requests.slice(before).filter((r) => JSON.stringify(r.variables ?? {}).includes(s.app.id));
    expect(mine.map((r) => r.fields)).toEqual([]);
    expect((await get(sync.id)).syncStatus).toBe("succeeded");
  });

  it("a change made while a sync is at Railway is synced as soon as that sync ends, not when its lease would", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s)).id);
    ctx.railway.setOptions({ latencyMs: 1000 });
    // A second worker on the queue, as Lambda runs several: the second job is not held behind the first.
    const { handler } = await import("../functions/sync.ts");
    const second = consume(ctx.stack.resources.SyncQueue.url ?? "", handler, { waitSeconds: 1 });
    try {
      source.set(s.folder, { A: "2" });
      await Sync.triggered({ ...s.folder, path: "/app" });
      // The first job has read the source and sent its upsert (of A=2); its redeploy is still to come.
      await until(
        () => ctx.railway.requests.some((r) => JSON.stringify(r.variables ?? {}).includes('"A":"2"')),
        10_000,
      );
      // The second request's job finds the lease held (for the worker's time limit, 60 s).
      source.set(s.folder, { A: "3" });
      await Sync.triggered({ ...s.folder, path: "/app" });
      await until(() => ctx.railway.getVariables(s.scope).A === "3", 25_000);
      expect(ctx.output.join("")).toContain("secret sync busy; job deferred");
    } finally {
      ctx.railway.setOptions({ latencyMs: 0 });
      await second.stop();
    }
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "3" });
    expect((await done(sync.id)).syncStatus).toBe("succeeded");
  }, 60_000);

  it("a secret's change whose stream record was lost is synced by the outbox's sweep", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    await done((await createSync(s)).id);
    source.set(s.folder, { A: "swept" });
    // The store's event of that change, written while the stream is not read (as a record lost
    // past its retention), and as old as the sweep looks for.
    const write = Event.write(ctx.stack.orgId, "secret.updated", {
      secret: { id: randomUUID(), key: "A", path: "/app", environment: "prod", projectId: s.projectId, version: 2 },
    });
    await writeLostToStream(ctx, write);
    await new Promise((r) => setTimeout(r, 2500));
    expect(ctx.railway.getVariables(s.scope).A).toBe("1");
    const maintenance = await import("../functions/maintenance.ts");
    await maintenance.relayWebhooks();
    await until(() => ctx.railway.getVariables(s.scope).A === "swept", 15_000);
    expect(ctx.railway.getVariables(s.scope)).toMatchObject(untouched);
    // Out of the outbox once swept (kept as the event's record, off the sweep's index).
    const left = await Dynamo.client.send(
      new GetCommand({ TableName: Dynamo.table(), Key: { pk: write.Put.Item.pk, sk: write.Put.Item.sk } }),
    );
    expect(left.Item).toMatchObject({ eventType: "secret.updated" });
    expect(left.Item?.gsi2pk).toBeUndefined();
  });

  it("a worker killed mid-sync: the next job waits out its lease, re-reads, and Railway ends equal to the source", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1", B: "2" });
    const sync = await done((await createSync(s)).id);
    // As a worker leaves it when it dies after writing A but before B, its redeploy and its outcome:
    // the names it meant to write managed, its lease still held for a few seconds.
    source.set(s.folder, { A: "changed", B: "changed", C: "new" });
    const { upserts, deploys } = { upserts: calls(s, "variableCollectionUpsert"), deploys: redeploys(s) };
    ctx.railway.setVariables(s.scope, { A: "changed" });
    const item = await stored(sync.id);
    await Dynamo.client.send(
      new PutCommand({
        TableName: Dynamo.table(),
        Item: {
          ...item,
          wanted: item.wanted + 1,
          syncStatus: "running",
          managedKeys: ["A", "B", "C"],
          lease: { jobId: randomUUID(), until: new Date(Date.now() + 3000).toISOString() },
          revision: item.revision + 1,
        },
      }),
    );
    await Queue.send(Queue.syncs(), {
      orgId: ctx.stack.orgId,
      syncId: sync.id,
      jobId: randomUUID(),
      kind: "sync",
      generation: item.wanted + 1,
    });
    const after = await done(sync.id, "syncStatus", 20_000);
    expect(after.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "changed", B: "changed", C: "new" });
    expect(calls(s, "variableCollectionUpsert")).toBe(upserts + 1);
    expect(redeploys(s)).toBe(deploys + 1);
    expect((await stored(sync.id)).managedKeys).toEqual(["A", "B", "C"]);
  });
});

describe("settings", () => {
  it("a PATCH of the options syncs again; the key schema maps names and bounds what is the sync's", async () => {
    const s = await setup();
    source.set(s.folder, { DB: "d" });
    const sync = await done((await createSync(s)).id);
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}`, {
      method: "PATCH",
      json: { syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "APP_{{secretKey}}" } },
    });
    expect(res.status).toBe(200);
    await until(async () => (await get(sync.id)).lastSyncJobId !== sync.lastSyncJobId);
    expect((await done(sync.id)).syncStatus).toBe("succeeded");
    // The old name was the sync's: it goes; the new one comes.
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, APP_DB: "d" });
  });

  it("import-secrets brings Railway's plain names into the store", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s)).id);
    const res = await ctx.api(
      `/api/v1/secret-syncs/railway/${sync.id}/import-secrets?importBehavior=prioritize-destination`,
      {
        method: "POST",
      },
    );
    expect(res.status).toBe(200);
    expect((await done(sync.id, "importStatus")).importStatus).toBe("succeeded");
    expect(await source.read(s.folder)).toEqual({ A: "1", HAND: "by-hand" });
  });

  it("DELETE ?removeSecrets=true removes the synced names, then the sync", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s)).id);
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}?removeSecrets=true`, { method: "DELETE" });
    expect(res.status).toBe(200);
    await until(async () => (await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}`)).status === 404);
    expect(ctx.railway.getVariables(s.scope)).toEqual(untouched);
  });
});

describe("remove-secrets", () => {
  it("removes exactly the names the sync wrote", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1", B: "2" });
    const sync = await done((await createSync(s)).id);
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}/remove-secrets`, { method: "POST" });
    expect(res.status).toBe(200);
    expect((await done(sync.id, "removeStatus")).removeStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual(untouched);
  });
});

describe("Railway's faults", () => {
  it("a 429 mid-sync is retried after Retry-After and the sync ends equal to the source", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    ctx.railway.injectFaults({ type: "rateLimited", retryAfter: 1 });
    const sync = await done((await createSync(s)).id, "syncStatus", 30_000);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "1" });
  });

  it("a 502 on the upsert: the retry reads Railway again and writes once", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1", B: "2" });
    // The read passes (a 1 ms delay), the upsert gets a 502.
    ctx.railway.injectFaults({ type: "delay", ms: 1 }, { type: "status", status: 502 });
    const sync = await done((await createSync(s)).id, "syncStatus", 30_000);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.scope)).toEqual({ ...untouched, A: "1", B: "2" });
    const reads = ctx.railway.requests.filter(
      (r) => /SyncRead/.test(r.query) && JSON.stringify(r.variables).includes(s.app.id),
    );
    expect(reads.length).toBe(2);
    expect(calls(s, "variableCollectionUpsert")).toBe(1);
    expect(redeploys(s)).toBe(1);
  });

  it("a Railway error that quotes a secret's value is withheld from logs, messages and items", async () => {
    const s = await setup();
    const value = `${SECRET}quoted-${randomUUID()}`;
    source.set(s.folder, { QUOTED: value });
    // What a GraphQL coercion error says: it quotes the input it was sent. The first upsert gets it.
    const echo = JSON.stringify({
      data: null,
      errors: [{ message: `Variable "$input" got invalid value { variables: { QUOTED: "${value}" } }` }],
    });
    ctx.railway.injectFaults({ type: "delay", ms: 1 }, { type: "status", status: 200, body: echo });
    const sync = await done((await createSync(s)).id, "syncStatus", 40_000);
    expect(sync.syncStatus).toBe("succeeded");
    const logs = ctx.output.join("");
    expect(logs).toContain("Railway reported an error: its message quoted a value that was sent, so it is withheld");
    expect(logs).not.toContain(value);
    const items = (await Dynamo.client.send(new ScanCommand({ TableName: Dynamo.table() }))).Items ?? [];
    expect(JSON.stringify(items)).not.toContain(value);
  }, 60_000); // one retry, after the queue's backoff

  it("a dead-lettered job fails its sync instead of leaving it pending", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done((await createSync(s)).id);
    const item = await stored(sync.id);
    // What a request leaves before its job keeps crashing the worker: a newer request, pending.
    const jobId = randomUUID();
    await Dynamo.client.send(
      new PutCommand({
        TableName: Dynamo.table(),
        Item: {
          ...item,
          wanted: item.wanted + 1,
          syncStatus: "pending",
          lastSyncJobId: jobId,
          revision: item.revision + 1,
        },
      }),
    );
    const job = { orgId: ctx.stack.orgId, syncId: sync.id, jobId, kind: "sync", generation: item.wanted + 1 };
    await Queue.send(ctx.stack.resources.SyncDeadLetterQueue.url ?? "", job);
    const failed = await done(sync.id);
    expect(failed.syncStatus).toBe("failed");
    expect(failed.lastSyncMessage).toMatch(/failed repeatedly on our side/);
  });

  it("a revoked token fails the sync with a readable message and the connection fails", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    ctx.railway.revokeToken(s.team.workspaceToken);
    const sync = await done((await createSync(s)).id);
    expect(sync.syncStatus).toBe("failed");
    expect(sync.lastSyncMessage).toMatch(/Railway rejected the connection's token/);
    await until(async () => {
      const res = await ctx.api(`/api/v1/app-connections/railway/${s.connectionId}`);
      return ((await res.json()) as { appConnection: { status: string } }).appConnection.status === "failed";
    });
    expect(ctx.railway.getVariables(s.scope)).toEqual(untouched);
  });

  it("a project token reaches only its own environment: a sync to another says so", async () => {
    const s = await setup();
    const staging = ctx.railway.addProject(ctx.railway.addWorkspace(ctx.railway.addUser().id).id, {
      environments: ["production", "staging"],
      services: ["api"],
    });
    const token = ctx.railway.createProjectToken(staging.id, staging.environments[0]!.id);
    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: {
        name: `p-${s.projectId.slice(0, 8)}`,
        method: "project-token",
        projectId: s.projectId,
        credentials: { apiToken: token },
      },
    });
    const { appConnection } = (await res.json()) as { appConnection: { id: string } };
    expect((await settled(ctx, appConnection.id)).status).toBe("active");
    source.set(s.folder, { A: "1" });
    const other = staging.environments[1]!.id;
    const sync = await done(
      (
        await createSync(s, {
          connectionId: appConnection.id,
          destinationConfig: { projectId: staging.id, environmentId: other },
        })
      ).id,
    );
    expect(sync.syncStatus).toBe("failed");
    expect(sync.lastSyncMessage).toContain(`another environment than ${other}`);
  });

  it("a destination the token cannot reach fails the sync saying which id", async () => {
    const s = await setup();
    source.set(s.folder, { A: "1" });
    const sync = await done(
      (
        await createSync(s, {
          destinationConfig: { projectId: s.app.id, environmentId: s.env.id, serviceId: "no-such-service" },
        })
      ).id,
    );
    expect(sync.syncStatus).toBe("failed");
    expect(sync.lastSyncMessage).toContain("no-such-service");
  });
});

describe("the API", () => {
  it("refuses another org's connection (404) and bad input (400), storing nothing", async () => {
    const s = await setup();
    const ApiKey = await import("@app/core/apikey");
    const stranger = await ApiKey.create({ name: "stranger" });
    expect(stranger.orgId).not.toBe(ctx.stack.orgId);
    const body = {
      name: "theirs",
      projectId: s.projectId,
      connectionId: s.connectionId,
      environment: "prod",
      secretPath: "/app",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: { projectId: s.app.id, environmentId: s.env.id },
    };
    const theirs = await ctx.api("/api/v1/secret-syncs/railway", { json: body, auth: stranger.secret });
    expect(theirs.status).toBe(404);
    const mine = (await createSync(s)).id;
    expect((await ctx.api(`/api/v1/secret-syncs/railway/${mine}`, { auth: stranger.secret })).status).toBe(404);
    const theirList = await ctx.api(`/api/v1/secret-syncs?projectId=${s.projectId}`, { auth: stranger.secret });
    expect(await theirList.json()).toEqual({ secretSyncs: [] });
    await ctx.api(`/api/v1/secret-syncs/railway/${mine}`, { method: "DELETE" });
    const bad = await ctx.api("/api/v1/secret-syncs/railway", {
      json: {
        name: "x",
        projectId: s.projectId,
        connectionId: s.connectionId,
        environment: "prod",
        secretPath: "/app",
        syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "NO_PLACEHOLDER" },
        destinationConfig: { projectId: s.app.id, environmentId: s.env.id },
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("secretKey");
    const list = await ctx.api(`/api/v1/secret-syncs?projectId=${s.projectId}`);
    expect(((await list.json()) as { secretSyncs: unknown[] }).secretSyncs).toEqual([]);
    const notAnId = await ctx.api(`/api/v1/secret-syncs/railway/${"x".repeat(2000)}`);
    expect(notAnId.status).toBe(400);
    expect((await ctx.api(`/api/v1/secret-syncs/railway/${randomUUID()}`)).status).toBe(404);
    const options = await ctx.api("/api/v1/secret-syncs/options");
    expect(await options.json()).toMatchObject({ secretSyncOptions: [{ destination: "railway" }] });
  });

  it("never logs or stores a secret value or a token; a sync's events carry none", async () => {
    const logs = ctx.output.join("");
    expect(logs).toContain("secret sync settled");
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain("burst-");
    const items = (await Dynamo.client.send(new ScanCommand({ TableName: Dynamo.table() }))).Items ?? [];
    const text = JSON.stringify(items);
    expect(text).toContain("secret-sync.succeeded");
    const audits = items
      .filter((i) => i.type === "audit" && String(i.action).startsWith("secret-sync."))
      .map((i) => i.action);
    expect(new Set(audits)).toEqual(
      new Set([
        "secret-sync.created",
        "secret-sync.updated",
        "secret-sync.deleted",
        "secret-sync.succeeded",
        "secret-sync.failed",
      ]),
    );
    expect(
      items.some(
        (i) =>
          i.type === "audit" && i.action === "app-connection.credentials-read" && i.details?.purpose === "secret sync",
      ),
    ).toBe(true);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("burst-");
    for (const token of ctx.railway.requests.map((r) => r.authorization?.replace("Bearer ", "")).filter(Boolean))
      expect(text).not.toContain(token);
  });
});

describe("a sync's name is unique in its project", () => {
  // One destination has one sync: each sync here has its own (`service`, or the shared variables).
  const body = (s: Setup, name: string, service: string | null = s.api.id) => ({
    name,
    projectId: s.projectId,
    connectionId: s.connectionId,
    environment: "prod",
    secretPath: "/app",
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { projectId: s.app.id, environmentId: s.env.id, ...(service && { serviceId: service }) },
  });
  const post = (json: unknown) => ctx.api("/api/v1/secret-syncs/railway", { json });

  it("ten creates with one name at once: one is made, nine are a 409 naming it", async () => {
    const s = await setup();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body(s, "only-one"))));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(409)]);
    for (const r of answers.filter((a) => a.status === 409))
      expect(await r.json()).toMatchObject({ message: 'A secret sync named "only-one" already exists' });
    const listed = (await (await ctx.api(`/api/v1/secret-syncs?projectId=${s.projectId}`)).json()) as {
      secretSyncs: { name: string }[];
    };
    expect(listed.secretSyncs.map((x) => x.name)).toEqual(["only-one"]);
  });

  it("a rename onto a taken name is a 409; a deleted or renamed sync frees its name", async () => {
    const s = await setup();
    const first = ((await (await post(body(s, "first"))).json()) as { secretSync: { id: string } }).secretSync;
    const second = ((await (await post(body(s, "second", s.worker.id))).json()) as { secretSync: { id: string } })
      .secretSync;
    const rename = (id: string, name: string) =>
      ctx.api(`/api/v1/secret-syncs/railway/${id}`, { method: "PATCH", json: { name } });
    expect((await rename(second.id, "first")).status).toBe(409);
    expect((await rename(second.id, "second-renamed")).status).toBe(200);
    expect((await post(body(s, "second", null))).status).toBe(200);
    expect((await ctx.api(`/api/v1/secret-syncs/railway/${first.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await post(body(s, "first"))).status).toBe(200);
  });
});
