// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the store's reference syntax
// Secret imports on the prior art's API (`/api/v2/secret-imports`): a folder reads another's
// secrets after its own, the raw list answers them under `imports` (the SDK asks for them), and
// a change in an imported folder reaches Railway through the importer's sync.
import { randomUUID } from "node:crypto";
import * as ApiKey from "@app/core/apikey";
import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { scan } from "./support/aws.ts";
import { connect } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

const sdk = (key = ctx.stack.apiKey) => new InfisicalSDK({ siteUrl: ctx.stack.url }).auth().accessToken(key).secrets();
const eventually = (check: () => boolean) => until(() => check() || undefined, 20_000);
const base = "/api/v2/secret-imports";

type Import = { id: string; position: number; importPath: string; importEnv: { slug: string }; version: number };
async function importInto(
  projectId: string,
  at: { environment: string; path: string },
  from: { environment: string; path: string },
  key?: string,
) {
  return ctx.api(base, { json: { projectId, ...at, import: from }, auth: key });
}

describe("secret imports", () => {
  it("create, list, get, reorder and delete answer the prior art's shapes; each write is audited and an event", async () => {
    const projectId = randomUUID();
    const app = { environment: "prod", path: "/app" };
    const first = await importInto(projectId, app, { environment: "prod", path: "/shared" });
    expect(first.status).toBe(200);
    const made = (await first.json()) as { message: string; secretImport: Import & Record<string, unknown> };
    expect(made.secretImport).toMatchObject({
      importPath: "/shared",
      importEnv: { slug: "prod", name: "prod", id: "prod" },
      position: 1,
      version: 1,
      isReplication: false,
      path: "/app",
    });
    // `workspaceId`, as the SDKs name the project, is accepted alike.
    const second = await ctx.api(base, {
      json: { workspaceId: projectId, ...app, import: { environment: "staging", path: "/" } },
    });
    const { secretImport: other } = (await second.json()) as { secretImport: Import };
    expect(other.position).toBe(2);

    const listed = await ctx.api(`${base}?projectId=${projectId}&environment=prod&path=/app`);
    const { secretImports } = (await listed.json()) as { secretImports: Import[] };
    expect(secretImports.map((i) => i.id)).toEqual([made.secretImport.id, other.id]);

    const moved = await ctx.api(`${base}/${other.id}`, {
      method: "PATCH",
      json: { projectId, ...app, import: { position: 1 } },
    });
    expect(moved.status).toBe(200);
    const again = await ctx.api(`${base}?projectId=${projectId}&environment=prod&path=/app`);
    const reordered = ((await again.json()) as { secretImports: Import[] }).secretImports;
    expect(reordered.map((i) => [i.id, i.position])).toEqual([
      [other.id, 1],
      [made.secretImport.id, 2],
    ]);
    expect(
      ((await (await ctx.api(`${base}/${other.id}`)).json()) as { secretImport: Import }).secretImport.version,
    ).toBe(2);

    const gone = await ctx.api(`${base}/${made.secretImport.id}`, { method: "DELETE", json: { projectId, ...app } });
    expect(gone.status).toBe(200);
    expect((await ctx.api(`${base}/${made.secretImport.id}`)).status).toBe(404);

    const items = await scan(ctx.stack.resources.Table.name);
    const audited = items.filter((i) => i.type === "audit" && i.projectId === projectId).map((i) => i.action);
    expect(audited.sort()).toEqual([
      "secret-import.created",
      "secret-import.created",
      "secret-import.deleted",
      "secret-import.updated",
    ]);
    const events = items.filter((i) => i.type === "webhook-event" && String(i.data).includes(projectId));
    expect(events.map((e) => e.eventType).sort()).toEqual([
      "secret-import.created",
      "secret-import.created",
      "secret-import.deleted",
      "secret-import.updated",
    ]);
  });

  it("refuses a folder importing itself, twice, or closing a cycle (400), and a key limited to another project (403)", async () => {
    const projectId = randomUUID();
    const a = { environment: "prod", path: "/a" };
    const b = { environment: "prod", path: "/b" };
    const c = { environment: "dev", path: "/" };
    expect((await importInto(projectId, a, a)).status).toBe(400);
    expect((await importInto(projectId, a, b)).status).toBe(200);
    const twice = await importInto(projectId, a, b);
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { message: string }).message).toContain("already exists");
    expect((await importInto(projectId, b, c)).status).toBe(200);
    const cycle = await importInto(projectId, c, a);
    expect(cycle.status).toBe(400);
    expect(((await cycle.json()) as { message: string }).message).toContain("cycle");
    // A change of what an import reads is checked alike.
    const listed = await ctx.api(`${base}?projectId=${projectId}&environment=dev&path=/`);
    expect(((await listed.json()) as { secretImports: Import[] }).secretImports).toEqual([]);
    const fromB = await ctx.api(`${base}?projectId=${projectId}&environment=prod&path=/b`);
    const [bImport] = ((await fromB.json()) as { secretImports: Import[] }).secretImports;
    const patched = await ctx.api(`${base}/${bImport?.id}`, {
      method: "PATCH",
      json: { projectId, ...b, import: { environment: "prod", path: "/a" } },
    });
    expect(patched.status).toBe(400);

    const limited = (await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [randomUUID()] }))
      .secret;
    expect((await importInto(projectId, c, { environment: "prod", path: "/x" }, limited)).status).toBe(403);
    expect((await ctx.api(`${base}?projectId=${projectId}&environment=prod&path=/a`, { auth: limited })).status).toBe(
      403,
    );
    expect((await ctx.api(`${base}/${bImport?.id}`, { auth: limited })).status).toBe(404);
    expect((await ctx.api(`${base}/${bImport?.id}`, { method: "DELETE", auth: limited })).status).toBe(404);
    const read = await ctx.api(
      `/api/v3/secrets/raw?workspaceId=${projectId}&environment=prod&secretPath=/a&include_imports=true`,
      { auth: limited },
    );
    expect(read.status).toBe(403);
  });

  it("the Node SDK reads a folder with its imports: imports of imports, its own secret winning a clash", async () => {
    const projectId = randomUUID();
    const secrets = sdk();
    const put = (environment: string, secretPath: string, key: string, value: string) =>
      secrets.createSecret(key, { projectId, environment, secretPath, secretValue: value });
    await put("prod", "/app", "PORT", "8080");
    await put("prod", "/shared", "PORT", "80");
    await put("prod", "/shared", "LOG_LEVEL", "info");
    await put("prod", "/db", "DB_HOST", "db.internal");
    await put("prod", "/shared", "DATABASE_URL", "postgres://${prod.db.DB_HOST}/app");
    await put("staging", "/", "REGION", "eu-west");
    expect(
      (await importInto(projectId, { environment: "prod", path: "/app" }, { environment: "prod", path: "/shared" }))
        .status,
    ).toBe(200);
    expect(
      (await importInto(projectId, { environment: "prod", path: "/shared" }, { environment: "staging", path: "/" }))
        .status,
    ).toBe(200);

    const where = { projectId, environment: "prod", secretPath: "/app" };
    const listed = await secrets.listSecrets({ ...where, includeImports: true });
    expect(listed.secrets.map((s) => s.secretKey)).toEqual(["PORT"]);
    expect(listed.imports?.map((i) => [i.environment, i.secretPath])).toEqual([
      ["prod", "/shared"],
      ["staging", "/"],
    ]);
    const merged = await secrets.listSecretsWithImports(where);
    expect(Object.fromEntries(merged.map((s) => [s.secretKey, s.secretValue]))).toEqual({
      PORT: "8080",
      LOG_LEVEL: "info",
      DATABASE_URL: "postgres://db.internal/app",
      REGION: "eu-west",
    });
    const one = await secrets.getSecret({ ...where, secretName: "REGION", includeImports: true });
    expect(one.secretValue).toBe("eu-west");
    // Without include_imports, as before.
    expect((await secrets.listSecrets(where)).imports).toEqual([]);
  });

  it("a change in an imported folder reaches Railway through the importer's sync; the importer's own secret wins", async () => {
    const { railway } = ctx;
    const user = railway.addUser({ name: "imports" });
    const team = railway.addWorkspace(user.id, { name: "imports" });
    const app = railway.addProject(team.id, { environments: ["production"], services: ["api"] });
    const scope = { projectId: app.id, environmentId: app.environments[0]!.id, serviceId: app.services[0]!.id };
    const projectId = randomUUID();
    const appConnection = { id: await connect(ctx, team.workspaceToken, projectId, "imports") };

    const secrets = sdk();
    const shared = { projectId, environment: "prod", secretPath: "/shared" };
    const own = { projectId, environment: "prod", secretPath: "/app" };
    const region = { projectId, environment: "staging", secretPath: "/" };
    await secrets.createSecret("LOG_LEVEL", { ...shared, secretValue: "info" });
    await secrets.createSecret("PORT", { ...shared, secretValue: "80" });
    await secrets.createSecret("PORT", { ...own, secretValue: "8080" });
    await secrets.createSecret("REGION", { ...region, secretValue: "eu-west" });
    // One name in two imported folders: the nearer import (the folder's own import first) wins.
    await secrets.createSecret("TIER", { ...shared, secretValue: "shared-tier" });
    await secrets.createSecret("TIER", { ...region, secretValue: "staging-tier" });
    expect(
      (await importInto(projectId, { environment: "prod", path: "/app" }, { environment: "prod", path: "/shared" }))
        .status,
    ).toBe(200);

    const sync = await ctx.api("/api/v1/secret-syncs/railway", {
      json: {
        name: "imports",
        projectId,
        connectionId: appConnection.id,
        environment: "prod",
        secretPath: "/app",
        syncOptions: { initialSyncBehavior: "overwrite-destination" },
        destinationConfig: scope,
      },
    });
    expect(sync.status).toBe(200);
    const variables = () => railway.getVariables(scope);
    await eventually(() => variables().LOG_LEVEL === "info" && variables().PORT === "8080");

    await secrets.updateSecret("LOG_LEVEL", { ...shared, secretValue: "debug" });
    await eventually(() => variables().LOG_LEVEL === "debug");
    await secrets.updateSecret("PORT", { ...shared, secretValue: "81" });

    // An import of the imported folder, made after the sync: it reaches Railway too, and so do its changes.
    expect(
      (await importInto(projectId, { environment: "prod", path: "/shared" }, { environment: "staging", path: "/" }))
        .status,
    ).toBe(200);
    await eventually(() => variables().REGION === "eu-west");
    await secrets.updateSecret("REGION", { ...region, secretValue: "us-east" });
    await eventually(() => variables().REGION === "us-east");
    expect(variables().PORT).toBe("8080");
    expect(variables().TIER).toBe("shared-tier");

    // The import's deletion takes its names out of Railway.
    const listed = await ctx.api(`${base}?projectId=${projectId}&environment=prod&path=/app`);
    const [imp] = ((await listed.json()) as { secretImports: Import[] }).secretImports;
    expect((await ctx.api(`${base}/${imp?.id}`, { method: "DELETE" })).status).toBe(200);
    await eventually(() => !("LOG_LEVEL" in variables()) && !("REGION" in variables()));
    expect(variables().PORT).toBe("8080");
  });
});
