import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConsoleClient, hidden } from "./support/console.ts";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

// The console's secret imports without a browser: a folder's page lists what it imports and lets
// a member add and remove an import through the same core verbs as /api/v2/secret-imports; a
// sync's page names the folders that feed it. The whole local run, so that a sync can run.
process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

let signedIn: ConsoleClient | undefined;
async function browser() {
  if (signedIn) return signedIn;
  signedIn = new ConsoleClient(ctx.stack.url);
  await signedIn.signIn(ctx.stack.apiKey);
  return signedIn;
}

type Place = { project: string; env: string; path: string };
const qs = (p: Place, extra: Record<string, string> = {}) => new URLSearchParams({ ...p, ...extra }).toString();
const amp = (s: string) => s.replaceAll("&", "&amp;");

async function put(p: Place, secrets: Record<string, string>) {
  const res = await ctx.api("/api/v3/secrets/batch/raw", {
    json: {
      workspaceId: p.project,
      environment: p.env,
      secretPath: p.path,
      secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
    },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The folder's imports as the API answers them: `env path` of each, in order. */
async function imports(p: Place) {
  const q = new URLSearchParams({ projectId: p.project, environment: p.env, path: p.path });
  const res = await ctx.api(`/api/v2/secret-imports?${q}`);
  expect(res.status).toBe(200);
  const { secretImports } = (await res.json()) as { secretImports: any[] };
  return secretImports.map((i) => ({ id: i.id as string, from: `${i.importEnv.slug} ${i.importPath}` }));
}

const addImport = (b: ConsoleClient, p: Place, importEnv: string, importPath: string) =>
  b.post("/console/secrets/imports/new", { ...p, importEnv, importPath });

/** A project with secrets in dev /common and prod /shared, and the folder dev /api that will import them. */
async function project() {
  const id = randomUUID();
  const api = { project: id, env: "dev", path: "/api" };
  await put(api, { OWN: "own-value-of-api", CLASH: "api-wins-the-clash" });
  await put({ project: id, env: "dev", path: "/common" }, { COMMON_KEY: "common-value-hidden", CLASH: "common-loses" });
  await put({ project: id, env: "prod", path: "/shared" }, { SHARED_KEY: "shared-value-hidden" });
  return { id, api };
}

const values = ["own-value-of-api", "api-wins-the-clash", "common-value-hidden", "common-loses", "shared-value-hidden"];

describe("a folder's secret imports in the console", () => {
  it("add through the form: the page lists them in order with a link to each, and the keys they bring, masked", async () => {
    const b = await browser();
    const { id, api } = await project();

    const form = await b.get(`/console/secrets/imports/new?${qs(api)}`);
    expect(form.status).toBe(200);
    // A select of the project's environments (those with secrets).
    expect(form.html).toContain('<select id="importEnv" name="importEnv"');
    expect(form.html).toMatch(/<option value="dev" selected="">dev<\/option>/);
    expect(form.html).toContain('<option value="prod">prod</option>');

    const first = await addImport(b, api, "dev", "/common");
    expect(first.status, first.html).toBe(303);
    expect(first.headers.get("location")).toBe(`/console/secrets?${qs(api, { notice: "import-added" })}#imports`);
    expect((await addImport(b, api, "prod", "/shared/")).status).toBe(303);
    expect((await imports(api)).map((i) => i.from)).toEqual(["dev /common", "prod /shared"]);

    const page = await b.get(`/console/secrets?${qs(api)}`);
    expect(page.status).toBe(200);
    const section = page.html.slice(page.html.indexOf('id="imports"'));
    const linked = [...section.matchAll(/<th scope="row"><a class="mono" href="([^"]+)">([^<]+)<\/a>/g)];
    expect(linked.slice(0, 2).map((m) => m[2])).toEqual(["dev /common", "prod /shared"]);
    expect(linked[0]?.[1]).toBe(amp(`/console/secrets?${qs({ project: id, env: "dev", path: "/common" })}`));
    expect(linked[1]?.[1]).toBe(amp(`/console/secrets?${qs({ project: id, env: "prod", path: "/shared" })}`));
    // The imported keys, each with where it comes from; the folder's own CLASH wins.
    expect(section).toMatch(/>COMMON_KEY<\/th><td><a class="mono" href="[^"]+">dev \/common<\/a><\/td><td>Read here</);
    expect(section).toMatch(/>SHARED_KEY<\/th><td><a class="mono" href="[^"]+">prod \/shared<\/a><\/td><td>Read here</);
    expect(section).toMatch(
      />CLASH<\/th><td><a class="mono" href="[^"]+">dev \/common<\/a><\/td><td><span class="muted">Not read/,
    );
    for (const value of values) expect(page.html).not.toContain(value);

    // Reached from the Projects pages, the links stay there.
    const deep = await b.get(`/console/projects/${id}/dev/api`);
    expect(deep.html).toContain(`href="/console/projects/${id}/prod/shared"`);
    for (const value of values) expect(deep.html).not.toContain(value);
  });

  it("a cycle, a duplicate, a self-import or a bad folder: the form comes back with the message, nothing stored", async () => {
    const b = await browser();
    const { id, api } = await project();
    const common = { project: id, env: "dev", path: "/common" };
    expect((await addImport(b, api, "dev", "/common")).status).toBe(303);
    const before = { api: await imports(api), common: await imports(common) };

    const cycle = await addImport(b, common, "dev", "/api");
    expect(cycle.status).toBe(400);
    expect(cycle.html).toContain(
      "Importing &quot;/api&quot; in &quot;dev&quot; into &quot;/common&quot; in &quot;dev&quot; would make a cycle",
    );
    // The form keeps what was chosen.
    expect(cycle.html).toContain('value="/api"');
    expect(cycle.html).toMatch(/<option value="dev" selected="">/);

    const twice = await addImport(b, api, "dev", "/common");
    expect(twice.status).toBe(400);
    expect(twice.html).toContain("the secret import already exists");

    const itself = await addImport(b, api, "dev", "/api");
    expect(itself.status).toBe(400);
    expect(itself.html).toContain("cannot import itself");

    const bad = await addImport(b, api, "Not A Slug", "no-slash");
    expect(bad.status).toBe(422);
    expect(bad.html).toContain("must be a slug");

    for (const res of [cycle, twice, itself, bad]) for (const value of values) expect(res.html).not.toContain(value);
    expect({ api: await imports(api), common: await imports(common) }).toEqual(before);
  });

  it("remove after a confirmation page", async () => {
    const b = await browser();
    const { api } = await project();
    await addImport(b, api, "dev", "/common");
    await addImport(b, api, "prod", "/shared");
    const [going, staying] = await imports(api);
    const page = await b.get(`/console/secrets?${qs(api)}`);
    const confirmUrl = `/console/secrets/imports/delete?${qs(api, { id: going?.id ?? "" })}`;
    expect(page.html).toContain(`href="${amp(confirmUrl)}"`);

    const confirm = await b.get(confirmUrl);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain("Remove import");
    expect(confirm.html).toContain("dev /common");
    expect(hidden(confirm.html, "id")).toBe(going?.id);
    // Seeing the page removes nothing.
    expect(await imports(api)).toHaveLength(2);

    const res = await b.post("/console/secrets/imports/delete", { ...api, id: going?.id ?? "" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/console/secrets?${qs(api, { notice: "import-removed" })}#imports`);
    expect(await imports(api)).toEqual([staying]);
    expect((await b.get(`/console/secrets?${qs(api)}`)).html).not.toContain("COMMON_KEY");

    // An import of another folder is not this folder's to remove.
    const elsewhere = await b.post("/console/secrets/imports/delete", {
      ...api,
      path: "/common",
      id: staying?.id ?? "",
    });
    expect(elsewhere.status).toBe(404);
    expect(await imports(api)).toEqual([staying]);
  });

  it("a session of another project's key can neither see, add nor remove; nor can a forged form", async () => {
    const b = await browser();
    const { id, api } = await project();
    await addImport(b, api, "dev", "/common");
    const before = await imports(api);
    const ApiKey = await import("@app/core/apikey");
    const key = (await ApiKey.create({ name: "elsewhere", orgId: ctx.stack.orgId, projectIds: [randomUUID()] })).secret;
    const outsider = new ConsoleClient(ctx.stack.url);
    await outsider.signIn(key);

    for (const path of [
      `/console/secrets?${qs(api)}`,
      `/console/secrets/imports/new?${qs(api)}`,
      `/console/secrets/imports/delete?${qs(api, { id: before[0]?.id ?? "" })}`,
    ]) {
      const res = await outsider.get(path);
      expect([403, 404], `GET ${path}`).toContain(res.status);
      expect(res.html).not.toContain("/common");
    }
    const added = await addImport(outsider, api, "prod", "/shared");
    expect([403, 404]).toContain(added.status);
    const removed = await outsider.post("/console/secrets/imports/delete", { ...api, id: before[0]?.id ?? "" });
    expect([403, 404]).toContain(removed.status);
    // The member's own form without the session's token, or from another site.
    const form = { ...api, importEnv: "prod", importPath: "/shared" };
    expect((await b.post("/console/secrets/imports/new", form, { csrf: null })).status).toBe(403);
    expect((await b.post("/console/secrets/imports/new", form, { origin: "https://evil.example" })).status).toBe(403);
    expect(await imports(api)).toEqual(before);
    for (const html of outsider.pages) for (const value of values) expect(html).not.toContain(value);
    expect(id).toBeTruthy();
  });
});

describe("a sync's page", () => {
  it("names the folders its folder imports, linked, and the sync carries them to Railway", async () => {
    const { app, env, projectId, connectionId, scope } = await connectedProject(ctx, { name: "imports" });
    const api = app.services[0]!;
    const b = await browser();
    const source = { project: projectId, env: "prod", path: "/app" };
    await put(source, { OWN: "own" });
    await put({ project: projectId, env: "prod", path: "/common" }, { FROM_COMMON: "common-value-synced" });
    await put({ project: projectId, env: "dev", path: "/base" }, { FROM_BASE: "base-value-synced" });
    const made = await b.post("/console/syncs", {
      connection: connectionId,
      project: projectId,
      name: "with-imports",
      environment: "prod",
      secretPath: "/app",
      destination: JSON.stringify([app.id, env.id, api.id, "imports", "production", "api"]),
      behavior: "overwrite-destination",
    });
    expect(made.status, made.html).toBe(303);
    const syncUrl = (made.headers.get("location") ?? "").split("?")[0] ?? "";

    const none = await b.get(syncUrl);
    expect(none.html).toContain("Imported folders");
    expect(none.html).toContain(`href="${amp(`/console/secrets?${qs(source)}`)}"`);

    // /app imports prod /common, which imports dev /base: the page names both, in that order.
    expect((await addImport(b, source, "prod", "/common")).status).toBe(303);
    expect((await addImport(b, { ...source, path: "/common" }, "dev", "/base")).status).toBe(303);
    const page = await b.get(syncUrl);
    const section = page.html.slice(page.html.indexOf('id="sync-imports"'));
    const links = [...section.matchAll(/<li><a class="mono" href="([^"]+)">([^<]+)<\/a><\/li>/g)];
    expect(links.map((m) => [m[1], m[2]])).toEqual([
      [amp(`/console/secrets?${qs({ project: projectId, env: "prod", path: "/common" })}`), "prod /common"],
      [amp(`/console/secrets?${qs({ project: projectId, env: "dev", path: "/base" })}`), "dev /base"],
    ]);
    for (const value of ["common-value-synced", "base-value-synced"]) expect(page.html).not.toContain(value);

    // Adding the imports queued the sync: Railway gets what they bring.
    const vars = await until(() => {
      const v = ctx.railway.getVariables(scope("api"));
      return v.FROM_COMMON === "common-value-synced" && v.FROM_BASE === "base-value-synced" ? v : undefined;
    }, 20_000);
    expect(vars.OWN).toBe("own");
  }, 60_000);
});
