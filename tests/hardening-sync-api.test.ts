// Regression tests of issue 29's sync API defects, through the real API, queue, worker, secrets
// store and Railway stand-in: a key limited to a project runs only connections it can see (3), one
// Railway destination has one sync (7), and a sync's folder follows the secrets' own path rule (8).
import { randomUUID } from "node:crypto";
import * as ApiKey from "@app/core/apikey";
import * as Dynamo from "@app/core/dynamo";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { ConsoleClient } from "./support/console.ts";
import { connect, connectedProject } from "./support/railway.ts";
import { settled, useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

type Sync = Record<string, any>;
const SYNCS = "/api/v1/secret-syncs/railway";

/**
 * A Railway workspace with `api` and `worker` in production, holding another project's database
 * password; an org-wide connection to it (made by the org's key), a connection of project P, and a
 * key limited to P.
 */
async function setup() {
  const made = await connectedProject(ctx, { services: ["api", "worker"] });
  const { team, app, env } = made;
  const [api, worker] = [app.services[0]!, app.services[1]!];
  const scope = made.scope("api");
  ctx.railway.setVariables(scope, { DB_PASSWORD: "another-projects-password" });
  const project = made.projectId;
  const own = made.connectionId;
  const orgWide = await connect(ctx, team.workspaceToken, null);
  const limited = (await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [project] })).secret;
  const body = (extra: Record<string, unknown> = {}) => ({
    name: `s-${randomUUID().slice(0, 8)}`,
    projectId: project,
    connectionId: own,
    environment: "prod",
    secretPath: "/app",
    syncOptions: { initialSyncBehavior: "import-prioritize-destination" },
    destinationConfig: scope,
    ...extra,
  });
  return { team, app, env, api, worker, scope, project, orgWide, own, limited, body };
}
type Setup = Awaited<ReturnType<typeof setup>>;

const json = async (res: Response) => (await res.json()) as any;
const get = async (id: string) => (await json(await ctx.api(`${SYNCS}/${id}`))).secretSync as Sync;
const list = async (projectId: string) =>
  (await json(await ctx.api(`/api/v1/secret-syncs?projectId=${projectId}`))).secretSyncs as Sync[];
const create = async (json: unknown, auth?: string) => {
  const res = await ctx.api(SYNCS, { json, auth });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { secretSync: Sync }).secretSync;
};
const patch = (id: string, json: unknown, auth?: string) => ctx.api(`${SYNCS}/${id}`, { method: "PATCH", json, auth });
/** The folder's secrets in the store, by name. */
const folder = async (s: Setup) => {
  const res = await ctx.api(`/api/v3/secrets/raw?workspaceId=${s.project}&environment=prod&secretPath=/app`);
  const { secrets } = (await res.json()) as { secrets: { secretKey: string; secretValue: string }[] };
  return Object.fromEntries(secrets.map((x) => [x.secretKey, x.secretValue]));
};
/** Calls that reached Railway about this test's project. */
const railwayCalls = (s: Setup) =>
  ctx.railway.requests.filter((r) => JSON.stringify(r.variables ?? {}).includes(s.app.id)).length;
const settledSync = (id: string, field = "syncStatus") =>
  until(async () => {
    const s = await get(id);
    return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
  }, 20_000);
/** Long enough for a queued job (debounce 1 s, the worker polling each second) to have reached Railway. */
const quiet = () => new Promise((r) => setTimeout(r, 3_000));

const notFound = async (res: Response, connectionId: string) => {
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({
    code: "connection_not_found",
    message: `No Railway connection with id "${connectionId}"`,
  });
};

describe("a key limited to a project and an org-wide connection (defect 3)", () => {
  it("cannot create a sync through it, as the connection API cannot see it: 404, nothing stored, queued or imported", async () => {
    const s = await setup();
    expect((await ctx.api(`/api/v1/app-connections/railway/${s.orgWide}`, { auth: s.limited })).status).toBe(404);
    const calls = railwayCalls(s);
    await notFound(await ctx.api(SYNCS, { json: s.body({ connectionId: s.orgWide }), auth: s.limited }), s.orgWide);
    await quiet();
    expect(await list(s.project)).toEqual([]);
    expect(railwayCalls(s)).toBe(calls);
    expect(await folder(s)).toEqual({});
    // Its own project's connection works, on the same destination.
    const mine = await create(s.body(), s.limited);
    expect((await settledSync(mine.id)).syncStatus).toBe("succeeded");
  });

  it("cannot move its sync onto it: 404, the sync unchanged", async () => {
    const s = await setup();
    const mine = await create(s.body({ syncOptions: { initialSyncBehavior: "overwrite-destination" } }), s.limited);
    const before = await settledSync(mine.id);
    const calls = railwayCalls(s);
    await notFound(await patch(mine.id, { connectionId: s.orgWide }, s.limited), s.orgWide);
    await quiet();
    expect(await get(mine.id)).toEqual(before);
    expect(railwayCalls(s)).toBe(calls);
  });

  it("reads its project's sync that an org key made through it, but cannot run it: sync, import, remove, move", async () => {
    const s = await setup();
    const theirs = await create(
      s.body({ connectionId: s.orgWide, syncOptions: { initialSyncBehavior: "overwrite-destination" } }),
    );
    const before = await settledSync(theirs.id);
    expect(before.syncStatus).toBe("succeeded");
    const seen = await ctx.api(`${SYNCS}/${theirs.id}`, { auth: s.limited });
    expect(seen.status).toBe(200);
    expect((await json(seen)).secretSync).toEqual(before);
    const calls = railwayCalls(s);
    const as = (path: string, init: RequestInit = {}) =>
      ctx.api(`${SYNCS}/${theirs.id}${path}`, { method: "POST", ...init, auth: s.limited });
    await notFound(await as("/sync-secrets"), s.orgWide);
    await notFound(await as("/import-secrets?importBehavior=prioritize-destination"), s.orgWide);
    await notFound(await as("/remove-secrets"), s.orgWide);
    await notFound(await as("?removeSecrets=true", { method: "DELETE" }), s.orgWide);
    // A change that would sync again (another service, another folder) runs it too.
    await notFound(
      await patch(theirs.id, { destinationConfig: { ...s.scope, serviceId: s.worker.id } }, s.limited),
      s.orgWide,
    );
    await notFound(await patch(theirs.id, { secretPath: "/other" }, s.limited), s.orgWide);
    await quiet();
    expect(await get(theirs.id)).toEqual(before);
    expect(railwayCalls(s)).toBe(calls);
    expect(await folder(s)).toEqual({});
    expect(ctx.railway.getVariables(s.scope)).toEqual({ DB_PASSWORD: "another-projects-password" });
    // What does not touch Railway stays its project's to do: a rename, and a delete that leaves Railway alone.
    const renamed = await patch(theirs.id, { name: "renamed" }, s.limited);
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).secretSync).toMatchObject({ name: "renamed", lastSyncJobId: before.lastSyncJobId });
    expect((await as("", { method: "DELETE" })).status).toBe(200);
    expect(await list(s.project)).toEqual([]);
    await quiet();
    expect(railwayCalls(s)).toBe(calls);
  });

  it("the console neither offers it nor runs it for a limited session; the sync's page only reads", async () => {
    const s = await setup();
    const b = new ConsoleClient(ctx.stack.url);
    await b.signIn(s.limited);
    expect((await b.get(`/console/syncs?connection=${s.orgWide}&project=${s.project}`)).status).toBe(404);
    const destination = JSON.stringify([s.app.id, s.env.id, s.api.id, "app", "production", "api"]);
    const form = {
      connection: s.orgWide,
      project: s.project,
      name: "forged",
      environment: "prod",
      secretPath: "/app",
      destination,
      behavior: "import-prioritize-destination",
    };
    expect((await b.post("/console/syncs", form)).status).toBe(404);
    expect(await list(s.project)).toEqual([]);

    const theirs = await create(
      s.body({ connectionId: s.orgWide, syncOptions: { initialSyncBehavior: "overwrite-destination" } }),
    );
    const before = await settledSync(theirs.id);
    const calls = railwayCalls(s);
    const page = await b.get(`/console/syncs/${theirs.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(theirs.name);
    expect(page.html).not.toContain("Sync now");
    expect(page.html).not.toContain("Import from Railway");
    expect(page.html).not.toContain('name="removeSecrets"');
    for (const action of ["sync", "import", "remove"])
      expect((await b.post(`/console/syncs/${theirs.id}/${action}`, {})).status).toBe(404);
    expect((await b.post(`/console/syncs/${theirs.id}/delete`, { removeSecrets: "true" })).status).toBe(404);
    await quiet();
    expect(await get(theirs.id)).toEqual(before);
    expect(railwayCalls(s)).toBe(calls);
  });
});

describe("one Railway destination, one sync (defect 7)", () => {
  it("ten creates onto one destination at once: one is made, nine are a 409 naming it", async () => {
    const s = await setup();
    const answers = await Promise.all(Array.from({ length: 10 }, () => ctx.api(SYNCS, { json: s.body() })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    const [made] = await list(s.project);
    expect(made).toBeDefined();
    for (const r of answers.filter((a) => a.status === 409))
      expect(await r.json()).toMatchObject({
        code: "destination_taken",
        message: expect.stringContaining(`"${made?.name}" (${made?.id})`),
      });
    expect((await list(s.project)).length).toBe(1);
  });

  it("a move onto a taken destination is a 409; a moved or deleted sync frees its destination", async () => {
    const s = await setup();
    const shared = { projectId: s.app.id, environmentId: s.env.id };
    const onWorker = { ...s.scope, serviceId: s.worker.id };
    const a = await create(s.body());
    const b = await create(s.body({ destinationConfig: onWorker }));
    const c = await create(s.body({ destinationConfig: shared }));
    await Promise.all([a, b, c].map((x) => settledSync(x.id)));
    const before = await get(b.id);
    const moved = await patch(b.id, { destinationConfig: s.scope });
    expect(moved.status).toBe(409);
    expect((await json(moved)).message).toContain(`"${a.name}" (${a.id})`);
    expect(await get(b.id)).toEqual(before);
    const second = await ctx.api(SYNCS, { json: s.body({ destinationConfig: shared }) });
    expect(second.status).toBe(409);
    expect((await json(second)).message).toContain(`"${c.name}" (${c.id})`);
    expect((await list(s.project)).map((x) => x.id)).toEqual([a.id, b.id, c.id]);

    expect((await ctx.api(`${SYNCS}/${c.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await patch(a.id, { destinationConfig: shared })).status).toBe(200);
    expect((await patch(b.id, { destinationConfig: s.scope })).status).toBe(200);
    await create(s.body({ destinationConfig: onWorker }));
    expect((await list(s.project)).length).toBe(3);
  });

  it("a sync stored before destinations were held holds none: deleting it leaves the destination's sync its lock", async () => {
    const s = await setup();
    const holder = await create(s.body());
    const key = { pk: `ORG#${ctx.stack.orgId}`, sk: `SECRET_SYNC#${holder.id}` };
    const stored = (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: key }))).Item ?? {};
    // As such a sync was stored: its own item and name, no destination lock.
    const legacy = randomUUID();
    await Dynamo.client.send(
      new PutCommand({
        TableName: Dynamo.table(),
        Item: { ...stored, sk: `SECRET_SYNC#${legacy}`, id: legacy, name: "legacy", gsi1sk: `0#${legacy}` },
      }),
    );
    await Dynamo.client.send(
      new PutCommand({
        TableName: Dynamo.table(),
        Item: { pk: key.pk, sk: `SECRET_SYNC_NAME#${s.project}#legacy`, type: "secret-sync-name", syncId: legacy },
      }),
    );
    expect((await ctx.api(`${SYNCS}/${legacy}`, { method: "DELETE" })).status).toBe(200);
    const again = await ctx.api(SYNCS, { json: s.body() });
    expect(again.status).toBe(409);
    expect((await json(again)).message).toContain(`"${holder.name}" (${holder.id})`);
    expect((await list(s.project)).map((x) => x.id)).toEqual([holder.id]);
  });

  it("a limited key is not told which sync of another project holds the destination; another org is no obstacle", async () => {
    const s = await setup();
    const elsewhere = await create(s.body({ projectId: randomUUID(), connectionId: s.orgWide }));
    const refused = await ctx.api(SYNCS, { json: s.body(), auth: s.limited });
    expect(refused.status).toBe(409);
    const { code, message } = await json(refused);
    expect(code).toBe("destination_taken");
    expect(message).toContain("a secret sync of another project");
    expect(message).not.toContain(elsewhere.id);
    expect(message).not.toContain(elsewhere.name);
    expect(await list(s.project)).toEqual([]);

    const stranger = await ApiKey.create({ name: "stranger" });
    const made = await ctx.api("/api/v1/app-connections/railway", {
      auth: stranger.secret,
      json: { name: "theirs", method: "team-token", credentials: { apiToken: s.team.workspaceToken } },
    });
    const { appConnection } = (await made.json()) as { appConnection: { id: string } };
    expect((await settled(ctx, appConnection.id, 20_000, stranger.secret)).status).toBe("active");
    await create(s.body({ connectionId: appConnection.id }), stranger.secret);
  });
});

describe("a sync's folder follows the secrets' path rule (defect 8)", () => {
  it("refuses what the secrets API refuses, on create and on change, storing nothing", async () => {
    const s = await setup();
    const deep = `/${Array.from({ length: 12 }, (_, i) => `f${i}`).join("/")}`;
    const bad = ["/..", "/.", "/a/../b", "/a/./b", deep, `/${"a".repeat(100)}`, "app", "/a//b"];
    const mine = await create(s.body({ syncOptions: { initialSyncBehavior: "overwrite-destination" } }));
    const before = await settledSync(mine.id);
    for (const secretPath of bad) {
      // The secrets API refuses the same folder.
      const raw = await ctx.api(
        `/api/v3/secrets/raw?workspaceId=${s.project}&environment=prod&secretPath=${encodeURIComponent(secretPath)}`,
      );
      expect(raw.status, secretPath).toBe(400);
      const created = await ctx.api(SYNCS, { json: s.body({ secretPath, name: "bad-path" }) });
      expect(created.status, secretPath).toBe(400);
      expect(await created.json()).toMatchObject({ code: "validation_failed", details: [{ path: "secretPath" }] });
      expect((await patch(mine.id, { secretPath })).status, secretPath).toBe(400);
    }
    expect((await list(s.project)).map((x) => x.id)).toEqual([mine.id]);
    expect(await get(mine.id)).toEqual(before);
    // A trailing "/" names the same folder, as in the secrets API.
    const renamed = await patch(mine.id, { secretPath: "/app/" });
    expect((await json(renamed)).secretSync.folder.path).toBe("/app");
  });

  it("the document and the console's form state the secrets' rule", async () => {
    const doc = (await (await ctx.api("/openapi/secrets.json", { auth: null })).json()) as any;
    const body = doc.paths["/api/v3/secrets/raw/{secretName}"].post.requestBody.content["application/json"].schema;
    const raw = (body.$ref ? doc.components.schemas[body.$ref.split("/").pop()] : body).properties.secretPath;
    expect(raw).toMatchObject({ type: "string", maxLength: expect.any(Number) });
    expect(doc.components.schemas.CreateRailwaySecretSync.properties.secretPath).toEqual(raw);
    expect(doc.components.schemas.UpdateRailwaySecretSync.properties.secretPath).toEqual(raw);
    const s = await setup();
    const b = new ConsoleClient(ctx.stack.url);
    await b.signIn(ctx.stack.apiKey);
    const page = await b.get(`/console/syncs?connection=${s.own}`);
    expect(page.html).toMatch(new RegExp(`id="secretPath"[^>]*maxlength="${raw.maxLength}"`));
  });
});
