// The authorization matrix: every route of both OpenAPI documents, as the running stack serves
// them, with every kind of caller. Requests are derived from the documents (path parameters from
// fixtures, query parameters by name, bodies from a table checked against the documented schemas),
// so a route added later is in the matrix, or the coverage test says what it lacks.

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleClient } from "./support/console.ts";
import { settled, useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

type Operation = { method: string; path: string; route: string; op: any; doc: any };
type Json = Record<string, any>;

/** One set of things a route's path and body can name: the refused callers aim at one, the allowed at another. */
type Fixture = {
  project: string;
  env: string;
  path: string;
  connection: { id: string; name: string };
  secret: { key: string; value: string };
  sync: { id: string; name: string };
  webhook: { id: string; url: string };
  delivery: string;
  secretImport: string;
};

const project = randomUUID();
let n = 0;
const unique = (prefix: string) => `${prefix}-${(++n).toString(36)}-${randomUUID().slice(0, 6)}`;
const where = (f: Fixture) => ({ workspaceId: f.project, environment: f.env, secretPath: f.path });

/** Railway destinations, one per sync (one sync per destination). */
let destinations: Json[] = [];
const destination = () => {
  const next = destinations.shift();
  if (!next) throw new Error("the matrix ran out of Railway destinations: add services to its Railway project");
  return next;
};

/**
 * What a documented route's request carries beyond its path and query: its body (checked against
 * the documented schema), and any parameter it must not share with another call (a name to create).
 */
type Request = { body?: unknown; params?: Record<string, string>; query?: Record<string, string> };
type Build = (f: Fixture, stack: typeof ctx) => Request | Promise<Request>;

const login = async () => {
  const res = await ctx.api("/api/v1/auth/universal-auth/login", { auth: null, json: ctx.stack.client });
  return ((await res.json()) as { accessToken: string }).accessToken;
};

const requests: Record<string, Build> = {
  "POST /api/v1/app-connections/railway": (f) => ({
    body: { name: unique("c"), method: "team-token", projectId: f.project, credentials: { apiToken: "matrix-token" } },
  }),
  "PATCH /api/v1/app-connections/railway/{connectionId}": () => ({ body: { description: unique("d") } }),
  "POST /api/v1/webhooks": () => ({
    body: { url: `${hookUrl}/${unique("h")}`, eventTypes: ["app-connection.revoked"] },
  }),
  "PATCH /api/v1/webhooks/{webhookId}": () => ({ body: { description: unique("d") } }),
  "POST /api/v3/secrets/raw/{secretName}": (f) => ({
    params: { secretName: unique("NEW").replaceAll("-", "_") },
    body: { ...where(f), secretValue: "v" },
  }),
  "PATCH /api/v3/secrets/raw/{secretName}": (f) => ({ body: { ...where(f), secretValue: unique("v") } }),
  "DELETE /api/v3/secrets/raw/{secretName}": (f) => ({ body: where(f) }),
  "POST /api/v3/secrets/batch/raw": (f) => ({
    body: { ...where(f), secrets: [{ secretKey: unique("NEW").replaceAll("-", "_"), secretValue: "v" }] },
  }),
  "PATCH /api/v3/secrets/batch/raw": (f) => ({
    body: { ...where(f), secrets: [{ secretKey: f.secret.key, secretValue: unique("v") }] },
  }),
  "DELETE /api/v3/secrets/batch/raw": (f) => ({ body: { ...where(f), secrets: [{ secretKey: f.secret.key }] } }),
  "POST /api/v1/auth/universal-auth/login": (_, s) => ({ body: s.stack.client }),
  "POST /api/v1/auth/token/renew": async () => ({ body: { accessToken: await login() } }),
  "POST /api/v1/auth/token/revoke": async () => ({ body: { accessToken: await login() } }),
  "POST /api/v1/secret-syncs/railway": (f) => ({
    body: {
      name: unique("s"),
      projectId: f.project,
      connectionId: f.connection.id,
      environment: f.env,
      secretPath: f.path,
      isAutoSyncEnabled: false,
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: destination(),
    },
  }),
  "PATCH /api/v1/secret-syncs/railway/{syncId}": () => ({ body: { description: unique("d") } }),
  // Each import names a folder of its own, so that no two callers' imports are one twice.
  "POST /api/v2/secret-imports": (f) => ({
    body: {
      projectId: f.project,
      environment: f.env,
      path: f.path,
      import: { environment: f.env, path: unique("/i") },
    },
  }),
  "PATCH /api/v2/secret-imports/{secretImportId}": (f) => ({
    body: { projectId: f.project, environment: f.env, path: f.path, import: { path: unique("/i") } },
  }),
};

/** Path parameters by name: what each names in a fixture. */
const pathValues: Record<string, (f: Fixture) => string> = {
  connectionId: (f) => f.connection.id,
  connectionName: (f) => f.connection.name,
  webhookId: (f) => f.webhook.id,
  deliveryId: (f) => f.delivery,
  secretName: (f) => f.secret.key,
  syncId: (f) => f.sync.id,
  name: (f) => f.sync.name,
  secretImportId: (f) => f.secretImport,
};

/** Query parameters by name, sent whenever a route documents them (required or not). */
const queryValues: Record<string, (f: Fixture) => string> = {
  projectId: (f) => f.project,
  workspaceId: (f) => f.project,
  environment: (f) => f.env,
  secretPath: (f) => f.path,
  path: (f) => f.path,
  connectionId: (f) => f.connection.id,
};

/** What a route destroys: each allowed caller gets a fresh one (the refused aim at the shared one). */
const destroys = (o: Operation): keyof typeof victims | undefined => {
  if (o.method !== "DELETE") return undefined;
  if (o.path.startsWith("/api/v3/secrets/")) return "secret";
  if (o.path.includes("{syncId}")) return "sync";
  if (o.path.includes("{secretImportId}")) return "secretImport";
  if (o.path.includes("{webhookId}")) return "webhook";
  if (o.path.includes("{connectionId}")) return "connection";
  throw new Error(`${o.route}: the matrix does not know what this route deletes; add it to destroys()`);
};

/** Webhooks are the org's, whatever their events name: a key limited to projects may not manage them. */
const orgWide = (o: Operation) => o.path.startsWith("/api/v1/webhooks");

type Caller = {
  name: string;
  token: () => string | null;
  kind: "org" | "project" | "other-project" | "other-org" | "none";
};
const tokens: Record<string, string> = {};
const callers: Caller[] = [
  { name: "org key", token: () => ctx.stack.apiKey, kind: "org" },
  { name: "key limited to the project", token: () => tokens.projectKey ?? "", kind: "project" },
  { name: "key limited to another project", token: () => tokens.otherProjectKey ?? "", kind: "other-project" },
  { name: "another org's key", token: () => tokens.otherOrgKey ?? "", kind: "other-org" },
  { name: "org access token", token: () => tokens.orgToken ?? "", kind: "org" },
  { name: "access token of the project's key", token: () => tokens.projectToken ?? "", kind: "project" },
  { name: "access token of another project's key", token: () => tokens.otherProjectToken ?? "", kind: "other-project" },
  { name: "revoked access token", token: () => tokens.revoked ?? "", kind: "none" },
  { name: "expired access token", token: () => tokens.expired ?? "", kind: "none" },
  { name: "no credentials", token: () => null, kind: "none" },
];

type Expected = "allowed" | "unauthenticated" | "refused";
const expected = (o: Operation, caller: Caller): Expected => {
  if (Array.isArray(o.op.security) && o.op.security.length === 0) return "allowed";
  if (caller.kind === "none") return "unauthenticated";
  if (caller.kind === "org") return "allowed";
  if (caller.kind === "project" && !orgWide(o)) return "allowed";
  return "refused";
};

const operations: Operation[] = [];
let refusedAt: Fixture;
let allowedAt: Fixture;
let hookUrl = "";
let railwayToken = "";
let hook: Server;

const api = async (path: string) => {
  const res = await ctx.api(path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Json;
};

const victims = {
  async connection(f: Fixture): Promise<Partial<Fixture>> {
    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: { name: unique("v"), method: "team-token", projectId: f.project, credentials: { apiToken: "t" } },
    });
    const { appConnection } = (await res.json()) as Json;
    return { connection: { id: appConnection.id, name: appConnection.name } };
  },
  async secret(f: Fixture): Promise<Partial<Fixture>> {
    const key = unique("GOING").replaceAll("-", "_");
    const res = await ctx.api(`/api/v3/secrets/raw/${key}`, { json: { ...where(f), secretValue: "v" } });
    expect(res.status).toBe(200);
    return { secret: { key, value: "v" } };
  },
  async sync(f: Fixture): Promise<Partial<Fixture>> {
    const { body } = await requests["POST /api/v1/secret-syncs/railway"]!(f, ctx);
    const res = await ctx.api("/api/v1/secret-syncs/railway", { json: body });
    expect(res.status, await res.clone().text()).toBe(200);
    const { secretSync } = (await res.json()) as Json;
    return { sync: { id: secretSync.id, name: secretSync.name } };
  },
  async secretImport(f: Fixture): Promise<Partial<Fixture>> {
    const { body } = await requests["POST /api/v2/secret-imports"]!(f, ctx);
    const res = await ctx.api("/api/v2/secret-imports", { json: body });
    expect(res.status, await res.clone().text()).toBe(200);
    return { secretImport: ((await res.json()) as Json).secretImport.id };
  },
  async webhook(): Promise<Partial<Fixture>> {
    const { body } = await requests["POST /api/v1/webhooks"]!(allowedAt, ctx);
    const res = await ctx.api("/api/v1/webhooks", { json: body });
    const { webhook } = (await res.json()) as Json;
    return { webhook: { id: webhook.id, url: webhook.url } };
  },
};

/** A connection verified against the stand-in, a secret in a folder, a sync of it, a webhook endpoint with a delivery. */
async function fixture(env: string, token: string): Promise<Fixture> {
  const f = { project, env, path: "/app" } as Fixture;
  const made = await ctx.api("/api/v1/app-connections/railway", {
    json: { name: unique("conn"), method: "team-token", projectId: project, credentials: { apiToken: token } },
  });
  const { appConnection } = (await made.json()) as Json;
  expect((await settled(ctx, appConnection.id)).status).toBe("active");
  f.connection = { id: appConnection.id, name: appConnection.name };
  const hooked = await ctx.api("/api/v1/webhooks", {
    json: { url: `${hookUrl}/${unique("hook")}`, eventTypes: ["secret.created"] },
  });
  const { webhook } = (await hooked.json()) as Json;
  f.webhook = { id: webhook.id, url: webhook.url };
  f.secret = { key: unique("KEY").replaceAll("-", "_"), value: unique("revealed-only-to-members") };
  const put = await ctx.api(`/api/v3/secrets/raw/${f.secret.key}`, {
    json: { ...where(f), secretValue: f.secret.value },
  });
  expect(put.status).toBe(200);
  f.delivery = await until(
    async () => (await api(`/api/v1/webhooks/${webhook.id}/deliveries`)).deliveries[0]?.id,
    20_000,
  );
  // From now on, no event of the matrix reaches this endpoint: its deliveries stay as they are.
  await ctx.api(`/api/v1/webhooks/${webhook.id}`, {
    method: "PATCH",
    json: { eventTypes: ["app-connection.revoked"] },
  });
  const sync = await ctx.api("/api/v1/secret-syncs/railway", {
    json: {
      name: unique("sync"),
      projectId: project,
      connectionId: f.connection.id,
      environment: env,
      secretPath: f.path,
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: destination(),
    },
  });
  const { secretSync } = (await sync.json()) as Json;
  f.sync = { id: secretSync.id, name: secretSync.name };
  f.secretImport = (await victims.secretImport(f)).secretImport as string;
  // Settled, and nothing left to relay that could request another sync of it during the matrix.
  const Store = await import("../packages/core/src/sync/store.ts");
  await ctx.stack.streamCaughtUp();
  await until(async () => {
    const s = await Store.load(ctx.stack.orgId, secretSync.id);
    return s && s.done === s.wanted && !s.lease && ["succeeded", "failed"].includes(s.syncStatus ?? "");
  }, 20_000);
  return f;
}

/** What the org key sees of the refused callers' fixture, and what Railway and the table hold for its sync. */
async function resources(f: Fixture) {
  const Store = await import("../packages/core/src/sync/store.ts");
  const item = await Store.load(ctx.stack.orgId, f.sync.id);
  const secret = `/api/v3/secrets/raw/${f.secret.key}?${new URLSearchParams(where(f))}&expandSecretReferences=false`;
  const imports = `/api/v2/secret-imports?${new URLSearchParams({ projectId: f.project, environment: f.env, path: f.path })}`;
  const [connection, latest, firstVersion, folder, sync, webhook, deliveries, secretImport, secretImports] =
    await Promise.all([
      api(`/api/v1/app-connections/railway/${f.connection.id}`),
      api(secret),
      api(`${secret}&version=1`),
      api(`/api/v3/secrets/raw?${new URLSearchParams(where(f))}&expandSecretReferences=false`),
      api(`/api/v1/secret-syncs/railway/${f.sync.id}`),
      api(`/api/v1/webhooks/${f.webhook.id}`),
      api(`/api/v1/webhooks/${f.webhook.id}/deliveries`),
      api(`/api/v2/secret-imports/${f.secretImport}`),
      api(imports),
    ]);
  return {
    connection: connection.appConnection,
    secret: latest.secret,
    firstVersion: firstVersion.secret,
    folder: folder.secrets,
    sync: sync.secretSync,
    syncItem: item,
    railway: ctx.railway.getVariables(item?.destinationConfig as never),
    webhook: webhook.webhook,
    deliveries: deliveries.deliveries,
    secretImport: secretImport.secretImport,
    secretImports: secretImports.secretImports,
  };
}

/** The ids on the lists a refused create would add to (the allowed callers' creates add to them too). */
async function lists(f: Fixture) {
  const ids = (list: Json[]) => list.map((x) => x.id).sort();
  const [connections, syncs, webhooks] = await Promise.all([
    api(`/api/v1/app-connections/railway?projectId=${f.project}&limit=100`),
    api(`/api/v1/secret-syncs?projectId=${f.project}`),
    api("/api/v1/webhooks"),
  ]);
  return {
    connections: ids(connections.appConnections),
    syncs: ids(syncs.secretSyncs),
    webhooks: ids(webhooks.webhooks),
  };
}

const state = async (f: Fixture) => ({ ...(await resources(f)), ...(await lists(f)) });

/** The strings of a fixture that only its org's members, within its project, may learn. */
const markers = (f: Fixture) => [
  f.connection.id,
  f.connection.name,
  f.secret.key,
  f.secret.value,
  f.sync.id,
  f.sync.name,
  f.webhook.id,
  f.webhook.url,
  f.delivery,
];

/** The request a caller sends to a documented route, aimed at a fixture. */
async function request(o: Operation, f: Fixture) {
  const extra = await requests[o.route]?.(f, ctx);
  const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(extra?.params?.[name] ?? pathValues[name]?.(f) ?? `{${name}}`),
  );
  const query = new URLSearchParams(extra?.query);
  for (const p of o.op.parameters ?? []) {
    if (p.in !== "query" || query.has(p.name)) continue;
    const value = queryValues[p.name]?.(f) ?? (p.required ? p.schema?.enum?.[0] : undefined);
    if (value !== undefined) query.set(p.name, value);
  }
  return { url: `${path}${query.size ? `?${query}` : ""}`, body: extra?.body };
}

const send = (o: Operation, req: { url: string; body?: unknown }, caller: Caller) =>
  ctx.api(req.url, {
    method: o.method,
    auth: caller.token(),
    ...(req.body !== undefined ? { json: req.body } : {}),
  });

beforeAll(async () => {
  hook = createServer((_, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;

  for (const doc of ["/openapi.json", "/openapi/secrets.json"]) {
    const document = (await (await ctx.api(doc, { auth: null })).json()) as Json;
    for (const [path, ops] of Object.entries(document.paths as Json))
      for (const [method, op] of Object.entries(ops as Json))
        operations.push({
          method: method.toUpperCase(),
          path,
          route: `${method.toUpperCase()} ${path}`,
          op,
          doc: document,
        });
  }

  const user = ctx.railway.addUser({ name: "Matrix" });
  const team = ctx.railway.addWorkspace(user.id, { name: "Matrix team" });
  railwayToken = team.workspaceToken;
  const app = ctx.railway.addProject(team.id, {
    environments: ["production"],
    services: Array.from({ length: 40 }, (_, i) => `svc-${i}`),
  });
  const env = app.environments[0]!;
  destinations = app.services.map((s) => ({ projectId: app.id, environmentId: env.id, serviceId: s.id }));

  const ApiKey = await import("@app/core/apikey");
  const Access = await import("@app/core/access");
  const tokenOf = async (key: Parameters<typeof Access.issueClient>[0]) =>
    (await Access.login(await Access.issueClient(key))).accessToken;
  const projectKey = await ApiKey.create({ name: "project", orgId: ctx.stack.orgId, projectIds: [project] });
  const otherProjectKey = await ApiKey.create({ name: "other", orgId: ctx.stack.orgId, projectIds: [randomUUID()] });
  const otherOrgKey = await ApiKey.create({ name: "other org" });
  Object.assign(tokens, {
    projectKey: projectKey.secret,
    otherProjectKey: otherProjectKey.secret,
    otherOrgKey: otherOrgKey.secret,
    orgToken: await login(),
    projectToken: await tokenOf(projectKey),
    otherProjectToken: await tokenOf(otherProjectKey),
    revoked: await login(),
    expired: await login(),
  });
  expect(
    (await ctx.api("/api/v1/auth/token/revoke", { auth: null, json: { accessToken: tokens.revoked } })).status,
  ).toBe(200);
  const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
  const { dynamo } = await import("./support/aws.ts");
  await dynamo().send(
    new UpdateCommand({
      TableName: ctx.stack.resources.Table.name,
      Key: ApiKey.keyOf(tokens.expired ?? ""),
      UpdateExpression: "SET expiresAt = :past",
      ExpressionAttributeValues: { ":past": Math.floor(Date.now() / 1000) - 1 },
    }),
  );

  // Apart (environments), so that what the allowed callers set off never touches what the refused
  // ones aim at; one after the other, so that no event of one reaches the other's webhook endpoint.
  refusedAt = await fixture("staging", team.workspaceToken);
  allowedAt = await fixture("dev", team.workspaceToken);
}, 120_000);

afterAll(() => new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve())));

describe("the authorization matrix", () => {
  it("finds both documents' routes, and has what each needs to be called", async () => {
    expect(operations.length).toBeGreaterThanOrEqual(42);
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const { default: addFormats } = await import("ajv-formats");
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const missing: string[] = [];
    for (const o of operations) {
      const schema = o.op.requestBody?.content?.["application/json"]?.schema;
      if (schema && !requests[o.route]) missing.push(`${o.route}: no request body in the matrix's table`);
      for (const name of o.path.match(/\{(\w+)\}/g) ?? [])
        if (!pathValues[name.slice(1, -1)]) missing.push(`${o.route}: no fixture for the path parameter ${name}`);
      for (const p of o.op.parameters ?? [])
        if (p.in === "query" && p.required && !queryValues[p.name] && !p.schema?.enum)
          missing.push(`${o.route}: no value for the required query parameter ${p.name}`);
      if (o.method === "DELETE") destroys(o);
      if (schema && requests[o.route]) {
        const { body } = await requests[o.route]!(allowedAt, ctx);
        const validate = ajv.compile({ ...schema, components: o.doc.components });
        if (!validate(body))
          missing.push(`${o.route}: its body is not what the document says: ${ajv.errorsText(validate.errors)}`);
      }
    }
    for (const route of Object.keys(requests))
      if (!operations.some((o) => o.route === route)) missing.push(`${route}: in the table, not in either document`);
    expect(missing).toEqual([]);
  });

  it("every documented route answers each caller as its key allows, and a refusal changes and reveals nothing", async () => {
    const started = Date.now();
    const cells: string[] = [];
    // Nothing in the whole run may change the refused callers' fixture: compared with this after every route.
    const initial = await resources(refusedAt);
    for (const o of operations) {
      const refusedCallers = callers.filter((c) => expected(o, c) !== "allowed");
      const before = refusedCallers.length ? { ...initial, ...(await lists(refusedAt)) } : undefined;
      // The refused callers at once: none of them may change anything, so their order cannot matter.
      const answers = await Promise.all(
        refusedCallers.map(async (caller) => {
          const req = await request(o, refusedAt);
          const res = await send(o, req, caller);
          return { caller, req, res, text: await res.text() };
        }),
      );
      for (const { caller, req, res, text } of answers) {
        const cell = `${o.route} × ${caller.name} (${res.status})`;
        cells.push(cell);
        expect
          .soft(Object.keys(o.op.responses), `${cell}: a status the document does not list`)
          .toContain(String(res.status));
        if (expected(o, caller) === "unauthenticated") expect.soft(res.status, cell).toBe(401);
        else {
          // A list filtered to what the caller may see is a refusal too; another org acts in its own org.
          const emptyList = o.method === "GET" && res.status === 200;
          const ownOrg = caller.kind === "other-org" && res.status >= 200 && res.status < 300;
          expect.soft(emptyList || ownOrg || [403, 404].includes(res.status), cell).toBe(true);
        }
        const sent = `${req.url} ${JSON.stringify(req.body ?? "")}`;
        for (const marker of markers(refusedAt))
          if (!sent.includes(marker)) expect.soft(text, `${cell} reveals ${marker}`).not.toContain(marker);
      }
      if (before) expect.soft(await state(refusedAt), `${o.route}: a refused call changed something`).toEqual(before);

      for (const caller of callers.filter((c) => expected(o, c) === "allowed")) {
        const kind = destroys(o);
        const at = kind ? { ...allowedAt, ...(await victims[kind](allowedAt)) } : allowedAt;
        const res = await send(o, await request(o, at), caller);
        const cell = `${o.route} × ${caller.name} (${res.status})`;
        cells.push(cell);
        // 409 (where documented): the request got past authorization and met the resource's state (a run in progress).
        expect.soft(res.ok || res.status === 409, `${cell}: ${await res.text()}`).toBe(true);
        expect
          .soft(Object.keys(o.op.responses), `${cell}: a status the document does not list`)
          .toContain(String(res.status));
      }
    }
    expect(cells.length).toBe(operations.length * callers.length);
    console.info(`authz matrix: ${operations.length} routes × ${callers.length} callers in ${Date.now() - started} ms`);
  }, 240_000);
});

describe("a key limited to the project, on its sync through an org-wide connection", () => {
  /** A verified connection of the org (no project), or of another project. */
  async function connection(projectId?: string) {
    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: {
        name: unique("wide"),
        method: "team-token",
        ...(projectId ? { projectId } : {}),
        credentials: { apiToken: railwayToken },
      },
    });
    const { appConnection } = (await res.json()) as Json;
    expect((await settled(ctx, appConnection.id)).status).toBe("active");
    return appConnection.id as string;
  }
  async function syncThrough(connectionId: string) {
    const { body } = await requests["POST /api/v1/secret-syncs/railway"]!(
      { ...allowedAt, env: "qa", connection: { id: connectionId, name: "" } },
      ctx,
    );
    const res = await ctx.api("/api/v1/secret-syncs/railway", { json: { ...(body as Json), isAutoSyncEnabled: true } });
    expect(res.status, await res.clone().text()).toBe(200);
    const { secretSync } = (await res.json()) as Json;
    const Store = await import("../packages/core/src/sync/store.ts");
    await until(async () => {
      const s = await Store.load(ctx.stack.orgId, secretSync.id);
      return s && s.done === s.wanted && !s.lease && s.syncStatus !== "pending";
    }, 20_000);
    return secretSync as Json;
  }
  /** What reaching Railway would change: the requests and runs on the sync, and its destination's variables. */
  async function reach(id: string) {
    const Store = await import("../packages/core/src/sync/store.ts");
    const item = (await Store.load(ctx.stack.orgId, id)) as Json;
    const {
      wanted,
      lastSyncJobId,
      lastImportJobId,
      lastRemoveJobId,
      managedKeys,
      deleting,
      connectionId,
      environment,
    } = item;
    const railway = ctx.railway.getVariables(item.destinationConfig);
    return {
      wanted,
      lastSyncJobId,
      lastImportJobId,
      lastRemoveJobId,
      managedKeys,
      deleting,
      connectionId,
      environment,
      railway,
    };
  }

  it("reads, renames and deletes it, but nothing it does reaches Railway; nor may it use such a connection for a sync", async () => {
    const wide = await connection();
    const sync = await syncThrough(wide);
    const at: Fixture = {
      ...allowedAt,
      env: "qa",
      connection: { id: wide, name: "" },
      sync: { id: sync.id, name: sync.name },
    };
    const limited = callers.filter((c) => c.kind === "project");
    const routes = operations.filter((o) => o.path.includes("{syncId}"));
    expect(routes.length).toBeGreaterThan(0);
    for (const o of routes)
      for (const caller of limited) {
        const req = await request(o, at);
        // What only names or reads the sync is its own; anything that would run it goes through the connection.
        const runs = o.method === "POST" || o.method === "DELETE";
        if (o.method === "DELETE") req.url += `${req.url.includes("?") ? "&" : "?"}removeSecrets=true`;
        const before = await reach(sync.id);
        const res = await send(o, req, caller);
        const cell = `${o.route} × ${caller.name} (${res.status})`;
        if (runs) {
          expect.soft(res.status, cell).toBe(404);
          expect.soft(((await res.json()) as Json).code, cell).toBe("connection_not_found");
          expect.soft(await reach(sync.id), `${cell} changed the sync`).toEqual(before);
        } else expect.soft(res.ok, `${cell}: ${await res.text()}`).toBe(true);
      }
    // A PATCH that would sync again (another folder) goes through the connection too.
    for (const caller of limited) {
      const before = await reach(sync.id);
      const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}`, {
        method: "PATCH",
        auth: caller.token(),
        json: { environment: "qa-2" },
      });
      expect.soft(res.status, `re-syncing PATCH × ${caller.name}`).toBe(404);
      expect.soft(await reach(sync.id)).toEqual(before);
    }
    // Deleting without removeSecrets touches only the sync.
    const res = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}`, { method: "DELETE", auth: tokens.projectKey });
    expect(res.status).toBe(200);

    // Nor may such a key create a sync through the org's connection, or another project's.
    const other = await connection(randomUUID());
    for (const connectionId of [wide, other])
      for (const caller of limited) {
        const { body } = await requests["POST /api/v1/secret-syncs/railway"]!(
          { ...at, connection: { id: connectionId, name: "" } },
          ctx,
        );
        const made = await ctx.api("/api/v1/secret-syncs/railway", { auth: caller.token(), json: body });
        expect
          .soft(
            made.status,
            `create through ${connectionId === wide ? "the org's" : "another project's"} connection × ${caller.name}`,
          )
          .toBe(404);
      }
    // The org's key may use the org's connection, but not another project's for this project.
    const { body } = await requests["POST /api/v1/secret-syncs/railway"]!(
      { ...at, connection: { id: other, name: "" } },
      ctx,
    );
    const crossed = await ctx.api("/api/v1/secret-syncs/railway", { json: body });
    expect([400, 403, 404, 422], `org key, another project's connection: ${crossed.status}`).toContain(crossed.status);
    const left = (await api(`/api/v1/secret-syncs?projectId=${project}`)).secretSyncs as Json[];
    expect(left.filter((s) => s.connectionId === wide || s.connectionId === other)).toEqual([]);
  }, 90_000);
});

/** Every console form and the fields it takes, keyed by the route the console serves it at. */
const consoleForms: Record<string, { victim?: keyof typeof victims; form: (f: Fixture) => Record<string, string> }> = {
  "/console/connections": {
    form: (f) => ({ name: unique("cc"), description: "", method: "team-token", projectId: f.project, token: "t" }),
  },
  "/console/connections/:id": { form: (f) => ({ name: f.connection.name, description: unique("d") }) },
  "/console/connections/:id/credentials": {
    victim: "connection",
    form: () => ({ method: "team-token", token: railwayToken }),
  },
  "/console/connections/:id/verify": { form: () => ({}) },
  "/console/connections/:id/delete": { victim: "connection", form: () => ({}) },
  "/console/secrets/new": {
    form: (f) => ({ ...consolePlace(f), key: unique("ADDED").replaceAll("-", "_"), value: "x", comment: "" }),
  },
  "/console/secrets/edit": {
    form: (f) => ({ ...consolePlace(f), existing: f.secret.key, key: f.secret.key, value: unique("v"), comment: "" }),
  },
  "/console/secrets/delete": { victim: "secret", form: (f) => ({ ...consolePlace(f), key: f.secret.key }) },
  "/console/secrets/imports/new": {
    form: (f) => ({ ...consolePlace(f), importEnv: f.env, importPath: unique("/ci") }),
  },
  "/console/secrets/imports/delete": {
    victim: "secretImport",
    form: (f) => ({ ...consolePlace(f), id: f.secretImport }),
  },
  "/console/syncs": {
    form: (f) => {
      const d = destination();
      return {
        connection: f.connection.id,
        project: f.project,
        name: unique("cs"),
        environment: f.env,
        secretPath: f.path,
        destination: JSON.stringify([d.projectId, d.environmentId, d.serviceId, "p", "e", "s"]),
        behavior: "overwrite-destination",
      };
    },
  },
  "/console/syncs/:id/sync": { form: () => ({}) },
  "/console/syncs/:id/import": { form: () => ({ importBehavior: "prioritize-source" }) },
  "/console/syncs/:id/remove": { form: () => ({}) },
  "/console/syncs/:id/delete": { victim: "sync", form: () => ({}) },
};
const consolePlace = (f: Fixture) => ({ project: f.project, env: f.env, path: f.path });

describe("the console's actions", () => {
  /** The console's forms as every function behind the URL serves them (sign-in and sign-out aside). */
  async function consoleRoutes() {
    const { routes } = await import("@app/core/layout");
    const apps = await Promise.all(
      ["api", ...Object.keys(routes)].map(
        async (fn) => (await import(`../functions/${fn}/app.ts`)).app as { routes: { method: string; path: string }[] },
      ),
    );
    const all = apps.flatMap((app) => app.routes);
    return [...new Set(all.filter((r) => r.method === "POST").map((r) => r.path))]
      .filter((path) => path.startsWith("/console/") && !path.includes("*"))
      .filter((path) => !["/console/sign-in", "/console/sign-out"].includes(path));
  }
  const signedIn = async (key: string) => {
    const b = new ConsoleClient(ctx.stack.url);
    await b.signIn(key);
    return b;
  };
  const target = (route: string, f: Fixture) =>
    route.replace(":id", route.startsWith("/console/syncs/") ? f.sync.id : f.connection.id);

  it("every console form is in the matrix", async () => {
    const routes = await consoleRoutes();
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((r) => !consoleForms[r])).toEqual([]);
    expect(Object.keys(consoleForms).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it("a session of a key limited to another project can neither reveal nor change anything; the org's session can", async () => {
    const outsider = await signedIn(tokens.otherProjectKey ?? "");
    const member = await signedIn(ctx.stack.apiKey);
    const f = refusedAt;
    const q = (extra: Record<string, string>) => new URLSearchParams({ ...consolePlace(f), ...extra }).toString();
    const before = await state(f);
    const reads = [
      `/console/secrets?${q({ reveal: f.secret.key })}`,
      `/console/secrets/versions?${q({ key: f.secret.key, reveal: "1" })}`,
      `/console/secrets/edit?${q({ key: f.secret.key })}`,
      `/console/secrets/delete?${q({ key: f.secret.key })}`,
      `/console/secrets/imports/new?${q({})}`,
      `/console/secrets/imports/delete?${q({ id: f.secretImport })}`,
      `/console/syncs/${f.sync.id}`,
      `/console/syncs/${f.sync.id}/fragment`,
      `/console/connections/${f.connection.id}`,
      `/console/connections/${f.connection.id}/projects`,
    ];
    for (const path of reads) {
      const res = await outsider.get(path);
      expect.soft([403, 404].includes(res.status), `GET ${path} (${res.status})`).toBe(true);
      for (const marker of [f.secret.value, f.connection.name, f.sync.name])
        expect.soft(res.html, `GET ${path} reveals ${marker}`).not.toContain(marker);
    }
    for (const route of await consoleRoutes()) {
      const res = await outsider.post(target(route, f), consoleForms[route]?.form(f) ?? {});
      expect.soft([403, 404].includes(res.status), `POST ${route} (${res.status})`).toBe(true);
      expect.soft(res.html, `POST ${route} reveals the value`).not.toContain(f.secret.value);
    }
    expect(await state(f)).toEqual(before);

    // The org's session, on the allowed callers' fixture (or a fresh one where a form deletes): each goes through.
    const a = allowedAt;
    const shown = (await victims.secret(a)).secret?.key ?? "";
    const revealed = await member.get(`/console/secrets?${new URLSearchParams({ ...consolePlace(a), reveal: shown })}`);
    expect(revealed.html).toContain('<span class="secret-value">v</span>');
    for (const route of await consoleRoutes()) {
      const entry = consoleForms[route];
      const at = entry?.victim ? { ...a, ...(await victims[entry.victim](a)) } : a;
      const res = await member.post(target(route, at), entry?.form(at) ?? {});
      // 409: it met the connection's or the sync's state (a check already running), past authorization.
      expect
        .soft([303, 409].includes(res.status), `POST ${route} (${res.status}): ${res.html.slice(0, 300)}`)
        .toBe(true);
    }
  }, 60_000);
});
