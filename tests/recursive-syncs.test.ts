// Recursive syncs (a folder and its sub-folders as one source) and a sync API that refuses the
// fields it does not know. Secrets are written through the prior art's SDK into the real store;
// the table's stream queues the syncs; the worker writes to the Railway stand-in.
import { randomUUID } from "node:crypto";
import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { ConsoleClient } from "./support/console.ts";
import { connect } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();
const SYNCS = "/api/v1/secret-syncs/railway";

type Sync = Record<string, any>;

async function setup() {
  const { railway } = ctx;
  const user = railway.addUser({ name: "Ada" });
  const team = railway.addWorkspace(user.id, { name: "Team" });
  const app = railway.addProject(team.id, { environments: ["production"], services: ["api", "worker"] });
  const env = app.environments[0]!;
  const api = { projectId: app.id, environmentId: env.id, serviceId: app.services[0]!.id };
  const worker = { projectId: app.id, environmentId: env.id, serviceId: app.services[1]!.id };
  const shared = { projectId: app.id, environmentId: env.id };
  railway.setVariables(api, { HAND: "by-hand" });
  const projectId = randomUUID();
  const appConnection = { id: await connect(ctx, team.workspaceToken, projectId, `r-${projectId.slice(0, 8)}`) };
  const secrets = new InfisicalSDK({ siteUrl: ctx.stack.url }).auth().accessToken(ctx.stack.apiKey).secrets();
  // Each write's event handled before the next step, so that a write made before a sync exists
  // cannot ask for that sync later (a second run, with a job id of its own).
  const put = async (secretPath: string, name: string, value: string) => {
    await secrets.createSecret(name, { projectId, environment: "prod", secretPath, secretValue: value });
    await ctx.stack.streamCaughtUp();
  };
  const body = (extra: Record<string, unknown> = {}) => ({
    name: `s-${randomUUID().slice(0, 8)}`,
    projectId,
    connectionId: appConnection.id,
    environment: "prod",
    secretPath: "/app",
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: api,
    ...extra,
  });
  return { app, api, worker, shared, projectId, connectionId: appConnection.id, secrets, put, body };
}

const create = async (json: unknown) => {
  const res = await ctx.api(SYNCS, { json });
  const answer = (await res.json()) as { secretSync: Sync; message?: string };
  expect(res.status, answer.message).toBe(200);
  return answer.secretSync;
};
const get = async (id: string) => ((await (await ctx.api(`${SYNCS}/${id}`)).json()) as { secretSync: Sync }).secretSync;
/** The sync once its latest requested sync has settled (`after`: a job id it must have moved past). */
const done = (id: string, after?: string) =>
  until(async () => {
    const s = await get(id);
    const settledNow = s.syncStatus === "succeeded" || s.syncStatus === "failed";
    return settledNow && s.lastSyncJobId !== after ? s : undefined;
  }, 20_000);
const list = async (projectId: string) =>
  ((await (await ctx.api(`/api/v1/secret-syncs?projectId=${projectId}`)).json()) as { secretSyncs: Sync[] })
    .secretSyncs;
const upserts = (projectId: string) =>
  ctx.railway.requests.filter(
    (r) => r.fields.includes("variableCollectionUpsert") && JSON.stringify(r.variables ?? {}).includes(projectId),
  ).length;

describe("a recursive sync", () => {
  it("syncs the folder and its sub-folders, and a change in a sub-folder reaches Railway", async () => {
    const s = await setup();
    await s.put("/app", "TOP", "top");
    await s.put("/app/db", "DB_URL", "postgres://db");
    const sync = await create(s.body({ recursive: true }));
    expect(sync).toMatchObject({ recursive: true, folder: { path: "/app" } });
    expect((await done(sync.id)).syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", TOP: "top", DB_URL: "postgres://db" });

    // Two levels down: the stream's event queues the sync watching /app.
    await s.put("/app/db/replica", "REPLICA_URL", "postgres://replica");
    await until(() => ctx.railway.getVariables(s.api).REPLICA_URL === "postgres://replica" || undefined, 20_000);
    expect((await get(sync.id)).recursive).toBe(true);
  });

  it("is not triggered by a sibling folder whose name starts the same (/apple is not under /app)", async () => {
    const s = await setup();
    await s.put("/app/x", "X", "x");
    const sync = await done((await create(s.body({ recursive: true }))).id);
    expect(sync).toMatchObject({ syncStatus: "succeeded", recursive: true });
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", X: "x" });
    // A witness on /apple: once its sync has run for the change, the change's event was handed out.
    const witness = await done((await create(s.body({ secretPath: "/apple", destinationConfig: s.shared }))).id);
    await s.put("/apple", "APPLE", "apple");
    await done(witness.id, witness.lastSyncJobId);
    expect(ctx.railway.getVariables(s.shared)).toEqual({ APPLE: "apple" });
    expect((await get(sync.id)).lastSyncJobId).toBe(sync.lastSyncJobId);
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", X: "x" });
  });

  it("fails, naming the name and both folders, when two sub-folders hold one name; Railway stays as it was", async () => {
    const s = await setup();
    await s.put("/app", "TOP", "top");
    await s.put("/app/a", "DUP", "from-a");
    await s.put("/app/b", "DUP", "from-b");
    const before = upserts(s.app.id);
    const sync = await done((await create(s.body({ recursive: true }))).id);
    expect(sync.syncStatus).toBe("failed");
    expect(sync.lastSyncMessage).toContain("DUP (in /app/a and /app/b)");
    expect(sync.lastSyncMessage).toContain("Nothing was sent to Railway");
    expect(sync.lastSyncMessage).not.toContain("from-");
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand" });
    expect(upserts(s.app.id)).toBe(before);

    // One of them gone: the next sync (queued by that delete) writes the one left.
    await s.secrets.deleteSecret("DUP", { projectId: s.projectId, environment: "prod", secretPath: "/app/b" });
    const after = await done(sync.id, sync.lastSyncJobId);
    expect(after.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", TOP: "top", DUP: "from-a" });
  });

  it("takes the prior art's spelling (syncOptions.recursive) too, and refuses an import first sync", async () => {
    const s = await setup();
    const options = { initialSyncBehavior: "overwrite-destination", recursive: true };
    const sync = await create(s.body({ syncOptions: options }));
    expect(sync).toMatchObject({ recursive: true, syncOptions: { recursive: true } });
    const importing = await ctx.api(SYNCS, {
      json: s.body({ recursive: true, syncOptions: { initialSyncBehavior: "import-prioritize-source" } }),
    });
    expect(importing.status).toBe(400);
    expect(((await importing.json()) as { message: string }).message).toContain("recursive");
    const disagreeing = await ctx.api(SYNCS, {
      json: s.body({ recursive: false, syncOptions: options, destinationConfig: s.worker }),
    });
    expect(disagreeing.status).toBe(400);
    // Its names come from many folders: an import has no one folder to write to, and does nothing.
    await done(sync.id);
    const imported = await ctx.api(`${SYNCS}/${sync.id}/import-secrets`, { method: "POST" });
    expect(imported.status).toBe(200);
    const refused = await until(async () =>
      (await get(sync.id)).importStatus === "failed" ? get(sync.id) : undefined,
    );
    expect(refused.lastImportMessage).toContain("no one folder to import into");
    expect(await list(s.projectId)).toHaveLength(1);
  });
});

describe("a sync that is not recursive", () => {
  it("says so (recursive: false) and syncs its folder alone: a sub-folder's change neither reaches nor queues it", async () => {
    const s = await setup();
    await s.put("/app", "TOP", "top");
    await s.put("/app/sub", "BELOW", "below");
    const sync = await done((await create(s.body())).id);
    expect(sync).toMatchObject({ syncStatus: "succeeded", recursive: false, syncOptions: { recursive: false } });
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", TOP: "top" });
    const witness = await done((await create(s.body({ secretPath: "/app/sub", destinationConfig: s.shared }))).id);
    await s.put("/app/sub", "LATER", "later");
    await done(witness.id, witness.lastSyncJobId);
    expect(ctx.railway.getVariables(s.shared)).toEqual({ BELOW: "below", LATER: "later" });
    expect((await get(sync.id)).lastSyncJobId).toBe(sync.lastSyncJobId);
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", TOP: "top" });
  });

  it("becomes recursive through PATCH, which syncs the tree", async () => {
    const s = await setup();
    await s.put("/app/sub", "BELOW", "below");
    const sync = await done((await create(s.body())).id);
    const res = await ctx.api(`${SYNCS}/${sync.id}`, { method: "PATCH", json: { recursive: true } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { secretSync: Sync }).secretSync.recursive).toBe(true);
    expect((await done(sync.id, sync.lastSyncJobId)).syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", BELOW: "below" });
  });
});

describe("fields the sync API does not know", () => {
  it("are refused with a 400 naming them, and nothing is stored or changed", async () => {
    const s = await setup();
    const cases: [Record<string, unknown>, string][] = [
      [s.body({ recursiv: true }), "recursiv"],
      [
        s.body({ syncOptions: { initialSyncBehavior: "overwrite-destination", prependPrefix: "APP_" } }),
        "prependPrefix",
      ],
      [s.body({ destinationConfig: { ...s.api, scope: "service" } }), "scope"],
    ];
    for (const [json, field] of cases) {
      const res = await ctx.api(SYNCS, { json });
      const answer = (await res.json()) as { message: string };
      expect(res.status, answer.message).toBe(400);
      expect(answer.message).toContain(field);
    }
    expect(await list(s.projectId)).toEqual([]);

    const sync = await create(s.body());
    const patched = await ctx.api(`${SYNCS}/${sync.id}`, {
      method: "PATCH",
      json: { name: "renamed", folders: ["/x"] },
    });
    expect(patched.status).toBe(400);
    expect(((await patched.json()) as { message: string }).message).toContain("folders");
    expect((await get(sync.id)).name).toBe(sync.name);
  });

  it("but what the prior art's clients send is accepted: Terraform's App, ID and projectId, the web app's labels", async () => {
    const s = await setup();
    // The Terraform provider's request structs carry untagged `App` and `ID`, which Go sends as is.
    const sync = await create(
      s.body({
        App: "railway",
        description: "",
        isAutoSyncEnabled: true,
        destinationConfig: { ...s.api, projectName: "shop", environmentName: "production", serviceName: "api" },
      }),
    );
    const patch = (json: unknown) => ctx.api(`${SYNCS}/${sync.id}`, { method: "PATCH", json });
    const same = { App: "railway", ID: sync.id, projectId: s.projectId, name: "by-terraform", description: "" };
    expect((await patch(same)).status).toBe(200);
    expect((await get(sync.id)).name).toBe("by-terraform");
    expect((await patch({ ...same, projectId: randomUUID() })).status).toBe(400);
    expect((await patch({ ...same, ID: randomUUID() })).status).toBe(400);
    expect((await get(sync.id)).projectId).toBe(s.projectId);
  });
});

describe("the document and the console", () => {
  it("/openapi/secrets.json lists recursive on the create, the update and the answer", async () => {
    const doc = (await (await fetch(`${ctx.stack.url}/openapi/secrets.json`)).json()) as any;
    const schemas = doc.components.schemas;
    expect(schemas.CreateRailwaySecretSync.properties.recursive).toMatchObject({ type: "boolean" });
    expect(schemas.CreateRailwaySecretSync.additionalProperties).toBe(false);
    expect(schemas.UpdateRailwaySecretSync.properties.recursive).toMatchObject({ type: "boolean" });
    expect(schemas.RailwaySecretSync.properties.recursive).toMatchObject({ type: "boolean" });
    expect(schemas.RailwaySecretSync.required).toContain("recursive");
  });

  it("the form sets recursive, and the sync's page shows it", async () => {
    const s = await setup();
    await s.put("/app/sub", "BELOW", "below");
    const b = new ConsoleClient(ctx.stack.url);
    await b.signIn(ctx.stack.apiKey);
    const listPage = await b.get(`/console/syncs?connection=${s.connectionId}`);
    expect(listPage.html).toContain('name="recursive"');
    const added = await b.post("/console/syncs", {
      connection: s.connectionId,
      project: s.projectId,
      name: "tree",
      environment: "prod",
      secretPath: "/app",
      recursive: "true",
      destination: JSON.stringify([s.api.projectId, s.api.environmentId, s.api.serviceId, "shop", "production", "api"]),
      behavior: "overwrite-destination",
    });
    expect(added.status, added.html).toBe(303);
    const id = (added.headers.get("location") ?? "").split("/")[3]?.split("?")[0] ?? "";
    const made = await done(id);
    expect(made).toMatchObject({ recursive: true, syncStatus: "succeeded" });
    expect(ctx.railway.getVariables(s.api)).toEqual({ HAND: "by-hand", BELOW: "below" });
    const page = await b.get(`/console/syncs/${id}`);
    expect(page.html).toContain("prod /app and sub-folders");
    expect(page.html).not.toContain("Import from Railway");
  });
});
