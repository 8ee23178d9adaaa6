import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { scan } from "./support/aws.ts";
import { ConsoleClient } from "./support/console.ts";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

// The console's secret-sync pages without a browser, through the whole local run: the secrets
// store, the stream, the sync queue and worker, and Railway's stand-in.
process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

const VALUE = "console-sync-value-";

/** A Railway project with `api` deployed, a connection to it, and a console signed in. */
async function setup() {
  const { app, env, projectId, connectionId, scope } = await connectedProject(ctx, { name: "shop" });
  const api = app.services[0]!;
  ctx.railway.setVariables(scope("api"), { HAND: "by-hand" });
  const b = new ConsoleClient(ctx.stack.url);
  await b.signIn(ctx.stack.apiKey);
  const write = (secrets: Record<string, string>) =>
    ctx.api("/api/v3/secrets/batch/raw", {
      json: {
        workspaceId: projectId,
        environment: "prod",
        secretPath: "/app",
        secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
      },
    });
  const destination = JSON.stringify([app.id, env.id, api.id, "shop", "production", "api"]);
  const form = (name: string, extra: Record<string, string> = {}) => ({
    connection: connectionId,
    project: projectId,
    name,
    environment: "prod",
    secretPath: "/app",
    destination,
    behavior: "overwrite-destination",
    ...extra,
  });
  const variables = () => ctx.railway.getVariables(scope("api"));
  return { b, projectId, connectionId, write, form, variables };
}

const syncs = async (projectId: string) =>
  ((await (await ctx.api(`/api/v1/secret-syncs?projectId=${projectId}`)).json()) as { secretSyncs: any[] }).secretSyncs;

const settledSync = (id: string, field = "syncStatus") =>
  until(async () => {
    const s = ((await (await ctx.api(`/api/v1/secret-syncs/railway/${id}`)).json()) as { secretSync: any }).secretSync;
    return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
  }, 20_000);

describe("a connection's secret syncs in the console", () => {
  it("are reached from the connection's page, and offer the Railway destinations the token reaches", async () => {
    const s = await setup();
    const detail = await s.b.get(`/console/connections/${s.connectionId}`);
    expect(detail.html).toContain(`href="/console/syncs?connection=${s.connectionId}"`);
    const list = await s.b.get(`/console/syncs?connection=${s.connectionId}`);
    expect(list.status).toBe(200);
    expect(list.html).toContain("No syncs yet");
    expect(list.html).toContain(">shop / production / api</option>");
    expect(list.html).toContain(">shop / production / shared variables</option>");
  });

  it("add a sync: the first sync runs, its page shows the synced keys (never values); sync now, remove, delete", async () => {
    const s = await setup();
    expect((await s.write({ DB_URL: `${VALUE}db`, TOKEN: `${VALUE}token` })).status).toBe(200);
    const added = await s.b.post("/console/syncs", s.form("shop-api"));
    expect(added.status, added.html).toBe(303);
    const location = added.headers.get("location") ?? "";
    expect(location).toMatch(/^\/console\/syncs\/[0-9a-f-]{36}\?notice=created$/);
    const id = location.split("/")[3]?.split("?")[0] ?? "";
    expect((await settledSync(id)).syncStatus).toBe("succeeded");
    expect(s.variables()).toEqual({ HAND: "by-hand", DB_URL: `${VALUE}db`, TOKEN: `${VALUE}token` });

    const page = await s.b.get(`/console/syncs/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Succeeded");
    expect(page.html).toContain('<li class="mono">DB_URL</li>');
    expect(page.html).toContain('<li class="mono">TOKEN</li>');
    expect(page.html).not.toContain("HAND");
    expect(page.html).not.toContain(VALUE);
    const listed = await s.b.get(`/console/syncs?connection=${s.connectionId}`);
    expect(listed.html).toContain(`href="/console/syncs/${id}"`);
    expect(listed.html).toContain("shop / production / api");

    const fragment = await s.b.get(`/console/syncs/${id}/fragment`);
    expect(fragment.html).toMatch(/^<div class="stack" id="sync-live"[ >]/);
    expect(fragment.html).toContain('<li class="mono">DB_URL</li>');
    expect(fragment.html).not.toContain("data-poll");

    expect((await s.write({ NEW_ONE: `${VALUE}new` })).status).toBe(200);
    // The write's own request for a sync made first, so that _Sync now_ supersedes it: no second
    // run left to hold the sync when the removal comes (a removal waits out a held lease).
    await ctx.stack.streamCaughtUp();
    const now = await s.b.post(`/console/syncs/${id}/sync`, {});
    expect(now.status).toBe(303);
    expect(now.headers.get("location")).toBe(`/console/syncs/${id}?notice=syncing`);
    await until(() => (s.variables().NEW_ONE ? true : undefined), 20_000);
    expect((await settledSync(id)).syncStatus).toBe("succeeded");

    const removed = await s.b.post(`/console/syncs/${id}/remove`, {});
    expect(removed.status).toBe(303);
    expect((await settledSync(id, "removeStatus")).removeStatus).toBe("succeeded");
    expect(s.variables()).toEqual({ HAND: "by-hand" });

    const deleted = await s.b.post(`/console/syncs/${id}/delete`, {});
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toContain("notice=deleted");
    expect(await syncs(s.projectId)).toEqual([]);
  });

  it("a refused form stores nothing: no destination, a bad name, a name taken", async () => {
    const s = await setup();
    const none = await s.b.post("/console/syncs", s.form("no-dest", { destination: "" }));
    expect(none.status).toBe(422);
    expect(none.html).toContain("Choose a Railway destination");
    const bad = await s.b.post("/console/syncs", s.form("Not A Slug"));
    expect(bad.status).toBe(422);
    expect(bad.html).toContain("must be a slug");
    expect(await syncs(s.projectId)).toEqual([]);
    expect((await s.b.post("/console/syncs", s.form("twice"))).status).toBe(303);
    const again = await s.b.post("/console/syncs", s.form("twice"));
    expect(again.status).toBe(409);
    expect(again.html).toContain("A secret sync named &quot;twice&quot; already exists");
    expect((await syncs(s.projectId)).map((x) => x.name)).toEqual(["twice"]);
  });

  it("a forged form, a signed-out visitor and another org's sync are refused", async () => {
    const s = await setup();
    const before = (await scan(ctx.stack.resources.Table.name)).filter((i) => i.type === "secret-sync").length;
    expect((await s.b.post("/console/syncs", s.form("forged"), { csrf: null })).status).toBe(403);
    expect((await s.b.post("/console/syncs", s.form("forged"), { origin: "https://evil.example" })).status).toBe(403);
    expect((await scan(ctx.stack.resources.Table.name)).filter((i) => i.type === "secret-sync").length).toBe(before);
    const visitor = new ConsoleClient(ctx.stack.url);
    expect((await visitor.get(`/console/syncs?connection=${s.connectionId}`)).status).toBe(303);
    expect((await visitor.get(`/console/syncs/${randomUUID()}/fragment`)).status).toBe(401);
    expect((await s.b.get(`/console/syncs/${randomUUID()}`)).status).toBe(404);
  });
});
