import { describe, expect, it } from "vitest";
import { errorBody } from "./support/errors.ts";
import { settled, useStack } from "./support/stack.ts";

const ctx = useStack();
const base = "/api/v1/app-connections/railway";
type Conn = Record<string, any>;

let n = 0;
const uniqueName = (prefix = "c") => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

const team = () => {
  const user = ctx.railway.addUser();
  const workspace = ctx.railway.addWorkspace(user.id, { name: `ws-${++n}` });
  return { user, workspace };
};

async function create(body: Record<string, unknown>, auth?: string): Promise<Conn> {
  const res = await ctx.api(base, { json: { name: uniqueName(), ...body }, auth });
  expect(res.status).toBe(202);
  return ((await res.json()) as { appConnection: Conn }).appConnection;
}

async function active(extra: Record<string, unknown> = {}, auth?: string) {
  const { user, workspace } = team();
  const conn = await create(
    { method: "team-token", credentials: { apiToken: workspace.workspaceToken }, ...extra },
    auth,
  );
  const done = await settled(ctx, conn.id, 20_000, auth);
  expect(done.status).toBe("active");
  return { conn: done, user, workspace };
}

const body = async (res: Response) => (await res.json()) as any;
const patch = (id: string, json: unknown, auth?: string) => ctx.api(`${base}/${id}`, { method: "PATCH", json, auth });

describe("listing", () => {
  it("lists newest first, a page at a time, with an opaque cursor, and filters by project", async () => {
    const ApiKey = await import("@app/core/apikey");
    const key = await ApiKey.create({ name: "lister" });
    const projectId = crypto.randomUUID();
    const made: Conn[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await create(
          { method: "team-token", credentials: { apiToken: "x" }, ...(i % 2 ? { projectId } : {}) },
          key.secret,
        ),
      );
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = await body(await ctx.api(`${base}?limit=2`, { auth: key.secret }));
    expect(first.appConnections.map((c: Conn) => c.id)).toEqual([made[4]!.id, made[3]!.id]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await body(await ctx.api(`${base}?limit=2&cursor=${first.nextCursor}`, { auth: key.secret }));
    expect(second.appConnections.map((c: Conn) => c.id)).toEqual([made[2]!.id, made[1]!.id]);
    const third = await body(await ctx.api(`${base}?limit=2&cursor=${second.nextCursor}`, { auth: key.secret }));
    expect(third.appConnections.map((c: Conn) => c.id)).toEqual([made[0]!.id]);
    expect(third.nextCursor).toBeNull();

    const inProject = await body(await ctx.api(`${base}?projectId=${projectId}`, { auth: key.secret }));
    expect(inProject.appConnections.map((c: Conn) => c.id)).toEqual([made[3]!.id, made[1]!.id]);

    // Another org cannot replay this org's cursor, and garbage is a 400, not a 500.
    const replay = await ctx.api(`${base}?limit=2&cursor=${first.nextCursor}`);
    expect(replay.status).toBe(400);
    expect((await body(replay)).code).toBe("invalid_cursor");
    expect((await ctx.api(`${base}?cursor=garbage`)).status).toBe(400);
    expect((await ctx.api(`${base}?limit=1000`)).status).toBe(400);
  });

  it("/available lists only active connections, as { app, name, id, projectId, orgId }", async () => {
    const ApiKey = await import("@app/core/apikey");
    const key = await ApiKey.create({ name: "available" });
    const { conn } = await active({}, key.secret);
    const failed = await create(
      { method: "team-token", credentials: { apiToken: "revoked-or-never-valid" } },
      key.secret,
    );
    expect((await settled(ctx, failed.id, 20_000, key.secret)).status).toBe("failed");
    const res = await body(await ctx.api(`${base}/available`, { auth: key.secret }));
    expect(res).toEqual({
      appConnections: [{ app: "railway", name: conn.name, id: conn.id, projectId: null, orgId: key.orgId }],
    });
  });

  it("finds a connection by name within its project, or within the org without one", async () => {
    const projectId = crypto.randomUUID();
    const inProject = await create({
      name: "same-name",
      projectId,
      method: "team-token",
      credentials: { apiToken: "x" },
    });
    const orgWide = await create({ name: "same-name", method: "team-token", credentials: { apiToken: "x" } });
    const byName = (q: string) => ctx.api(`${base}/connection-name/same-name${q}`);
    expect((await body(await byName(`?projectId=${projectId}`))).appConnection.id).toBe(inProject.id);
    expect((await body(await byName(""))).appConnection.id).toBe(orgWide.id);
    expect((await byName(`?projectId=${crypto.randomUUID()}`)).status).toBe(404);
    expect((await ctx.api(`${base}/connection-name/NOT%20A%20SLUG`)).status).toBe(404);
  });
});

describe("updating", () => {
  it("renames and describes, bumping version each time; the old name is free again and names stay unique", async () => {
    const a = await create({ method: "team-token", credentials: { apiToken: "x" } });
    const b = await create({ method: "team-token", credentials: { apiToken: "x" } });
    const renamed = await patch(a.id, { name: "renamed-one", description: "now described" });
    expect(renamed.status).toBe(200);
    const conn = (await body(renamed)).appConnection;
    expect(conn).toMatchObject({ name: "renamed-one", description: "now described", version: 2 });
    expect(Date.parse(conn.updatedAt)).toBeGreaterThanOrEqual(Date.parse(a.updatedAt));
    const cleared = (await body(await patch(a.id, { description: null }))).appConnection;
    expect(cleared).toMatchObject({ description: null, version: 3 });

    const clash = await patch(b.id, { name: "renamed-one" });
    expect(clash.status).toBe(409);
    expect((await body(clash)).message).toBe('An App Connection with the name "renamed-one" already exists');
    expect((await body(await patch(b.id, { name: a.name }))).appConnection.name).toBe(a.name);
    expect((await body(await ctx.api(`${base}/connection-name/renamed-one`))).appConnection.id).toBe(a.id);
  });

  it("refuses a method without credentials and platform-managed credentials; an empty update changes nothing", async () => {
    // Settled first: the worker's own write would otherwise race the "changes nothing" check.
    const a = await settled(ctx, (await create({ method: "team-token", credentials: { apiToken: "x" } })).id);
    const method = await patch(a.id, { method: "account-token" });
    expect(method.status).toBe(400);
    expect((await body(method)).details).toContainEqual({
      path: "method",
      message: "can only change together with new credentials",
    });
    const before = await settled(ctx, a.id);
    const empty = await patch(a.id, {});
    expect(empty.status).toBe(200);
    expect((await body(empty)).appConnection).toEqual(before);
    expect(before.version).toBe(1);
    expect((await patch(a.id, { isPlatformManagedCredentials: true, name: "zz" })).status).toBe(400);
    expect((await body(await ctx.api(`${base}/${a.id}`))).appConnection.version).toBe(1);
  });

  it("rotation: the old credentials stay in use until the new ones verify, then they are replaced", async () => {
    const { conn, user } = await active();
    const newWorkspace = ctx.railway.addWorkspace(user.id, { name: "rotated-into" });
    const res = await patch(conn.id, { credentials: { apiToken: newWorkspace.workspaceToken } });
    const during = (await body(res)).appConnection;
    // New credentials get a new hash at once, kept while they are verified and after.
    expect(during.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(during.credentialsHash).not.toBe(conn.credentialsHash);
    expect(during).toMatchObject({
      status: "active",
      version: 2,
      rotation: { status: "pending", method: "team-token", statusMessage: null },
      pendingVerification: { purpose: "rotation", method: "team-token" },
    });
    const after = await until(conn.id, (c) => c.pendingVerification === null);
    expect(after).toMatchObject({
      status: "active",
      rotation: null,
      railway: { workspaces: [{ name: "rotated-into" }] },
    });
    expect(after.credentialsHash).toBe(during.credentialsHash);
    // The new token is the one in use now.
    const projects = await ctx.api(`${base}/${conn.id}/projects`);
    expect(projects.status).toBe(200);
    expect(ctx.railway.requests.at(-1)?.authorization).toBe(`Bearer ${newWorkspace.workspaceToken}`);
  });

  it("a failed rotation keeps the old credentials and says why", async () => {
    const { conn, workspace } = await active();
    const res = await patch(conn.id, { credentials: { apiToken: "a-revoked-token" } });
    expect(res.status).toBe(200);
    const sent = (await body(res)).appConnection;
    expect(sent.credentialsHash).not.toBe(conn.credentialsHash);
    const after = await until(conn.id, (c) => c.pendingVerification === null);
    // The hash names the credentials last sent, even though they failed and the old ones stay in use.
    expect(after).toMatchObject({ status: "active", credentialsHash: sent.credentialsHash, method: "team-token" });
    expect(after.rotation).toMatchObject({ status: "failed", method: "team-token" });
    expect(after.rotation.statusMessage).toMatch(/Railway rejected this workspace \(team\) token/);
    const projects = await ctx.api(`${base}/${conn.id}/projects`);
    expect(projects.status).toBe(200);
    expect(ctx.railway.requests.at(-1)?.authorization).toBe(`Bearer ${workspace.workspaceToken}`);
  });

  it("rotation may change the method along with the token", async () => {
    const { conn, workspace } = await active();
    const project = ctx.railway.addProject(workspace.id, { name: "switched" });
    const token = ctx.railway.createProjectToken(project.id, project.environments[0]!.id);
    await patch(conn.id, { method: "project-token", credentials: { apiToken: token } });
    const after = await until(conn.id, (c) => c.pendingVerification === null);
    expect(after).toMatchObject({ status: "active", method: "project-token", rotation: null });
    expect(after.railway.project.name).toBe("switched");
  });

  it("new credentials for a failed connection verify it afresh", async () => {
    const failed = await create({ method: "account-token", credentials: { apiToken: "wrong" } });
    expect((await settled(ctx, failed.id)).status).toBe("failed");
    const { user } = team();
    const res = await patch(failed.id, { credentials: { apiToken: user.accountToken } });
    expect((await body(res)).appConnection).toMatchObject({ status: "pending", statusMessage: null, rotation: null });
    expect((await settled(ctx, failed.id)).status).toBe("active");
  });
});

describe("credentialsHash changes only when credentials are sent", () => {
  it("a Terraform-style create → GET → PATCH → GET → re-verify → rename → DELETE → GET keeps each GET on the hash the call before returned", async () => {
    const { workspace } = team();
    const created = await create({ method: "team-token", credentials: { apiToken: workspace.workspaceToken } });
    expect(created.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    const verified = await settled(ctx, created.id);
    expect(verified).toMatchObject({ status: "active", credentialsHash: created.credentialsHash });

    // What the provider's update sends: every field, the same token again included.
    const res = await patch(created.id, {
      name: created.name,
      description: "managed by terraform",
      method: "team-token",
      credentials: { apiToken: workspace.workspaceToken },
      projectId: created.projectId ?? undefined,
    });
    expect(res.status).toBe(200);
    const updated = (await body(res)).appConnection;
    expect(updated.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(updated.credentialsHash).not.toBe(created.credentialsHash);
    const rotated = await until(created.id, (c) => c.pendingVerification === null);
    expect(rotated).toMatchObject({ status: "active", rotation: null, credentialsHash: updated.credentialsHash });

    await ctx.api(`${base}/${created.id}/verify`, { method: "POST" });
    const rechecked = await until(created.id, (c) => c.pendingVerification === null);
    expect(Date.parse(rechecked.verifiedAt)).toBeGreaterThan(Date.parse(rotated.verifiedAt));
    expect(rechecked.credentialsHash).toBe(updated.credentialsHash);

    const renamed = (await body(await patch(created.id, { name: uniqueName("renamed") }))).appConnection;
    expect(renamed.credentialsHash).toBe(updated.credentialsHash);
    expect((await body(await ctx.api(`${base}/${created.id}`))).appConnection.credentialsHash).toBe(
      updated.credentialsHash,
    );

    // The provider's destroy, then its refresh: a 404 removes the resource, and it shows `message` and `reqId`.
    const deleted = await ctx.api(`${base}/${created.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect((await body(deleted)).appConnection.credentialsHash).toBe(updated.credentialsHash);
    const gone = await ctx.api(`${base}/${created.id}`);
    expect(gone.status).toBe(404);
    const error = await body(gone);
    expect(error.message).toContain(created.id);
    expect(error.reqId).toBe(gone.headers.get("x-request-id"));
  });
});

describe("deleting, verifying again, and listing Railway projects", () => {
  it("DELETE returns the deleted connection; then it is gone and its name is free", async () => {
    const conn = await create({ method: "team-token", credentials: { apiToken: "x" } });
    const res = await ctx.api(`${base}/${conn.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect((await body(res)).appConnection).toMatchObject({ id: conn.id, name: conn.name });
    expect((await ctx.api(`${base}/${conn.id}`)).status).toBe(404);
    expect((await ctx.api(`${base}/${conn.id}`, { method: "DELETE" })).status).toBe(404);
    await create({ name: conn.name, method: "team-token", credentials: { apiToken: "x" } });
  });

  it("POST /verify re-checks the stored token: a revoked token turns the connection failed", async () => {
    const { conn, workspace } = await active();
    const again = await ctx.api(`${base}/${conn.id}/verify`, { method: "POST" });
    expect(again.status).toBe(202);
    expect((await body(again)).appConnection.pendingVerification).toMatchObject({ purpose: "recheck" });
    const rechecked = await until(conn.id, (c) => c.pendingVerification === null);
    expect(rechecked.status).toBe("active");
    expect(Date.parse(rechecked.verifiedAt)).toBeGreaterThan(Date.parse(conn.verifiedAt));

    ctx.railway.revokeToken(workspace.workspaceToken);
    await ctx.api(`${base}/${conn.id}/verify`, { method: "POST" });
    const revoked = await until(conn.id, (c) => c.pendingVerification === null);
    expect(revoked.status).toBe("failed");
    expect(revoked.statusMessage).toMatch(/Railway rejected this workspace \(team\) token \(Not Authorized\)/);
  });

  it("POST /verify without stored credentials is a 409 that says what to do", async () => {
    const failed = await create({ method: "team-token", credentials: { apiToken: "never-valid" } });
    await settled(ctx, failed.id);
    const res = await ctx.api(`${base}/${failed.id}/verify`, { method: "POST" });
    expect(res.status).toBe(409);
    expect((await body(res)).message).toMatch(/PATCH/);
  });

  it("lists an account's projects across all its workspaces, following pagination", async () => {
    const user = ctx.railway.addUser();
    const one = ctx.railway.addWorkspace(user.id, { name: "one" });
    const two = ctx.railway.addWorkspace(user.id, { name: "two" });
    const many = Array.from({ length: 55 }, (_, i) => ctx.railway.addProject(one.id, { name: `p${i}` }));
    const big = ctx.railway.addProject(two.id, {
      name: "big",
      environments: ["production", "staging"],
      services: Array.from({ length: 130 }, (_, i) => `svc-${i}`),
    });
    const conn = await create({ method: "account-token", credentials: { apiToken: user.accountToken } });
    await settled(ctx, conn.id);
    const res = await ctx.api(`${base}/${conn.id}/projects`);
    expect(res.status).toBe(200);
    const { projects } = await body(res);
    expect(projects).toHaveLength(56);
    expect(projects.map((p: Conn) => p.id).sort()).toEqual([...many.map((p) => p.id), big.id].sort());
    const bigOne = projects.find((p: Conn) => p.id === big.id);
    expect(bigOne.services).toHaveLength(130);
    expect(bigOne.environments.map((e: Conn) => e.name)).toEqual(["production", "staging"]);
  });

  it("lists a workspace token's projects, and a project token's one project and environment", async () => {
    const { user, workspace } = team();
    const other = ctx.railway.addWorkspace(user.id);
    const mine = ctx.railway.addProject(workspace.id, { name: "mine", services: ["api"] });
    ctx.railway.addProject(other.id, { name: "not-mine" });
    const byTeam = await create({ method: "team-token", credentials: { apiToken: workspace.workspaceToken } });
    await settled(ctx, byTeam.id);
    expect((await body(await ctx.api(`${base}/${byTeam.id}/projects`))).projects).toEqual([
      {
        id: mine.id,
        name: "mine",
        environments: [{ id: mine.environments[0]!.id, name: "production" }],
        services: [{ id: mine.services[0]!.id, name: "api" }],
      },
    ]);

    const staging = ctx.railway.addProject(workspace.id, { name: "staged", environments: ["production", "staging"] });
    const token = ctx.railway.createProjectToken(staging.id, staging.environments[1]!.id);
    const byProject = await create({ method: "project-token", credentials: { apiToken: token } });
    await settled(ctx, byProject.id);
    expect((await body(await ctx.api(`${base}/${byProject.id}/projects`))).projects).toEqual([
      {
        id: staging.id,
        name: "staged",
        environments: [{ id: staging.environments[1]!.id, name: "staging" }],
        services: [],
      },
    ]);
  });

  it("a revoked token is a clear error, never an empty list; Railway down is a 502", async () => {
    const { conn, workspace } = await active();
    ctx.railway.injectFaults({ type: "status", status: 503 });
    const down = await errorBody(await ctx.api(`${base}/${conn.id}/projects`), 502, "railway_unavailable");
    expect(down.message).toMatch(/HTTP 503/);

    ctx.railway.revokeToken(workspace.workspaceToken);
    const error = await errorBody(await ctx.api(`${base}/${conn.id}/projects`), 409, "railway_credentials_rejected");
    expect(error.message).toMatch(/revoked/);
  });

  it("a connection that is not active has no projects to list", async () => {
    const pending = await create({ method: "team-token", credentials: { apiToken: "never-valid" } });
    await settled(ctx, pending.id);
    const res = await ctx.api(`${base}/${pending.id}/projects`);
    expect(res.status).toBe(409);
    expect((await body(res)).code).toBe("not_active");
  });
});

describe("names under concurrency, and idempotent retries", () => {
  it("20 parallel creates with one name: exactly one wins, the rest get 409", async () => {
    const name = uniqueName("race");
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        ctx.api(base, { json: { name, method: "team-token", credentials: { apiToken: "x" } } }).then(async (r) => ({
          status: r.status,
          body: await body(r),
        })),
      ),
    );
    const statuses = results.map((r) => `${r.status} ${r.status === 202 ? "" : r.body.code}`.trim()).sort();
    expect(statuses).toEqual(["202", ...Array.from({ length: 19 }, () => "409 name_taken")]);
    const losers = results.filter((r) => r.status === 409);
    for (const l of losers) expect(l.body.message).toBe(`An App Connection with the name "${name}" already exists`);
    const listed = (await body(await ctx.api(`${base}?limit=100`))).appConnections.filter((c: Conn) => c.name === name);
    expect(listed).toHaveLength(1);
  });

  it("a retried create with the same Idempotency-Key returns the first connection; another body is a 422", async () => {
    const key = crypto.randomUUID();
    const request = { name: uniqueName("idem"), method: "team-token", credentials: { apiToken: "x" } };
    const send = (json: unknown) => ctx.api(base, { json, headers: { "Idempotency-Key": key } });
    const results = await Promise.all(Array.from({ length: 5 }, () => send(request)));
    const bodies = await Promise.all(results.map(body));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(bodies.map((b) => b.appConnection.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(4);

    const different = await send({ ...request, description: "changed" });
    expect(different.status).toBe(422);
    expect((await body(different)).code).toBe("idempotency_key_reused");
    const listed = (await body(await ctx.api(`${base}?limit=100`))).appConnections.filter(
      (c: Conn) => c.name === request.name,
    );
    expect(listed).toHaveLength(1);
  });
});

describe("the routes shared by every app, as the prior art's web app calls them", () => {
  const generic = "/api/v1/app-connections";
  const ids = (list: Conn[]) => list.map((c) => c.id);

  it("/options lists Railway with its three methods, whatever projectType is asked for", async () => {
    const expected = {
      appConnectionOptions: [
        { name: "Railway", app: "railway", methods: ["team-token", "account-token", "project-token"] },
      ],
    };
    expect(await body(await ctx.api(`${generic}/options`))).toEqual(expected);
    expect(await body(await ctx.api(`${generic}/options?projectType=secret-manager`))).toEqual(expected);
    await errorBody(await ctx.api(`${generic}/options`, { auth: null }), 401, "unauthenticated");
  });

  /** An org of its own: active connections in projects A and B and outside projects, and a failed one in A. */
  async function org() {
    const ApiKey = await import("@app/core/apikey");
    const key = (await ApiKey.create({ name: "org-wide" })).secret;
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const inA = (await active({ projectId: a }, key)).conn;
    const inB = (await active({ projectId: b }, key)).conn;
    const orgWide = (await active({}, key)).conn;
    const failed = await create({ projectId: a, method: "team-token", credentials: { apiToken: "never-valid" } }, key);
    expect((await settled(ctx, failed.id, 20_000, key)).status).toBe("failed");
    const limited = (await ApiKey.create({ name: "limited", orgId: inA.orgId, projectIds: [a] })).secret;
    return { key, limited, a, b, inA, inB, orgWide, failed: await settled(ctx, failed.id, 20_000, key) };
  }
  const summary = (c: Conn) => ({ app: "railway", name: c.name, id: c.id, projectId: c.projectId, orgId: c.orgId });
  const get = async (path: string, auth: string) => body(await ctx.api(path, { auth }));

  it("with an org-wide key: every connection of the org, paged as the Railway list, and by project", async () => {
    const o = await org();
    const all = await get(generic, o.key);
    expect(ids(all.appConnections)).toEqual(ids([o.failed, o.orgWide, o.inB, o.inA]));
    expect(all).toEqual(await get(base, o.key));
    expect(all.nextCursor).toBeNull();

    const first = await get(`${generic}?limit=3`, o.key);
    expect(ids(first.appConnections)).toEqual(ids([o.failed, o.orgWide, o.inB]));
    const second = await get(`${generic}?limit=3&cursor=${first.nextCursor}`, o.key);
    expect(second).toEqual({ appConnections: [o.inA], nextCursor: null });
    expect(await get(`${generic}?projectId=${o.a}`, o.key)).toEqual({
      appConnections: [o.failed, o.inA],
      nextCursor: null,
    });
    await errorBody(await ctx.api(`${generic}?projectId=not-a-uuid`, { auth: o.key }), 400, "validation_failed");
    await errorBody(await ctx.api(`${generic}?cursor=garbage`, { auth: o.key }), 400, "invalid_cursor");

    // /available: only active ones, each saying its project and org.
    expect(await get(`${base}/available`, o.key)).toEqual({
      appConnections: [o.orgWide, o.inB, o.inA].map(summary),
    });
    expect(o.inA.projectId).toBe(o.a);
    expect(await get(`${base}/available?projectId=${o.a}`, o.key)).toEqual({ appConnections: [summary(o.inA)] });
    expect(await get(`${base}/available?projectId=${crypto.randomUUID()}`, o.key)).toEqual({ appConnections: [] });
  });

  it("with a key limited to project A: only A's, and asking for project B shows nothing of it on any route", async () => {
    const o = await org();
    const onlyA = { appConnections: [o.failed, o.inA], nextCursor: null };
    expect(await get(generic, o.limited)).toEqual(onlyA);
    expect(await get(base, o.limited)).toEqual(onlyA);
    expect(await get(`${generic}?projectId=${o.a}`, o.limited)).toEqual(onlyA);
    expect(await get(`${base}/available`, o.limited)).toEqual({ appConnections: [summary(o.inA)] });
    expect(await get(`${base}/available?projectId=${o.a}`, o.limited)).toEqual({ appConnections: [summary(o.inA)] });
    for (const path of [generic, base])
      expect(await get(`${path}?projectId=${o.b}`, o.limited), path).toEqual({ appConnections: [], nextCursor: null });
    expect(await get(`${base}/available?projectId=${o.b}`, o.limited)).toEqual({ appConnections: [] });
    // The org key does see B's, so the empty answers above are the limit at work.
    expect(ids((await get(`${generic}?projectId=${o.b}`, o.key)).appConnections)).toEqual([o.inB.id]);
  });
});

describe("access", () => {
  it("a key limited to a project can neither read nor create another project's connections", async () => {
    const ApiKey = await import("@app/core/apikey");
    const mine = crypto.randomUUID();
    const theirs = crypto.randomUUID();
    const limited = await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [mine] });
    const inMine = await create(
      { projectId: mine, method: "team-token", credentials: { apiToken: "x" } },
      limited.secret,
    );
    const inTheirs = await create({ projectId: theirs, method: "team-token", credentials: { apiToken: "x" } });
    const orgWide = await create({ method: "team-token", credentials: { apiToken: "x" } });

    const refused = await ctx.api(base, {
      json: { name: uniqueName(), projectId: theirs, method: "team-token", credentials: { apiToken: "x" } },
      auth: limited.secret,
    });
    expect(refused.status).toBe(403);
    expect((await body(refused)).code).toBe("project_forbidden");
    const noProject = await ctx.api(base, {
      json: { name: uniqueName(), method: "team-token", credentials: { apiToken: "x" } },
      auth: limited.secret,
    });
    expect(noProject.status).toBe(403);

    for (const id of [inTheirs.id, orgWide.id]) {
      for (const [path, method] of [
        ["", "GET"],
        ["", "PATCH"],
        ["", "DELETE"],
        ["/projects", "GET"],
        ["/verify", "POST"],
      ] as const) {
        const res = await ctx.api(`${base}/${id}${path}`, {
          method,
          auth: limited.secret,
          ...(method === "PATCH" ? { json: { name: "hijack" }, method } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
    expect(
      (await ctx.api(`${base}/connection-name/${inTheirs.name}?projectId=${theirs}`, { auth: limited.secret })).status,
    ).toBe(404);
    const listed = (await body(await ctx.api(`${base}?limit=100`, { auth: limited.secret }))).appConnections;
    expect(listed.map((c: Conn) => c.id)).toEqual([inMine.id]);
    expect((await ctx.api(`${base}/${inMine.id}`, { auth: limited.secret })).status).toBe(200);
    const audit = (await body(await ctx.api("/api/v1/audit-logs?limit=100", { auth: limited.secret }))).auditLogs;
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((e: Conn) => e.projectId === mine)).toBe(true);
  });

  it("another org gets 404 on every route, and its data never", async () => {
    const { conn } = await active();
    const ApiKey = await import("@app/core/apikey");
    const stranger = await ApiKey.create({ name: "stranger" });
    const routes = [
      ["GET", ""],
      ["PATCH", ""],
      ["DELETE", ""],
      ["GET", "/projects"],
      ["POST", "/verify"],
    ] as const;
    for (const [method, path] of routes) {
      const res = await ctx.api(`${base}/${conn.id}${path}`, {
        method,
        auth: stranger.secret,
        ...(method === "PATCH" ? { json: { name: "mine-now" }, method } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.text()).not.toContain(conn.name);
    }
    expect((await ctx.api(`${base}/connection-name/${conn.name}`, { auth: stranger.secret })).status).toBe(404);
    expect((await body(await ctx.api(base, { auth: stranger.secret }))).appConnections).toEqual([]);
    expect((await body(await ctx.api(`${base}/available`, { auth: stranger.secret }))).appConnections).toEqual([]);
    expect(
      (await body(await ctx.api(`/api/v1/audit-logs?connectionId=${conn.id}`, { auth: stranger.secret }))).auditLogs,
    ).toEqual([]);
    expect((await body(await ctx.api(`${base}/${conn.id}`))).appConnection).toMatchObject({
      name: conn.name,
      status: "active",
      version: 1,
    });
  });
});

describe("audit log", () => {
  it("records create, verification, update (saying whether credentials changed), credential reads and delete, without secrets", async () => {
    const { conn, user } = await active();
    await patch(conn.id, { description: "described" });
    const fresh = ctx.railway.addWorkspace(user.id);
    await patch(conn.id, { credentials: { apiToken: fresh.workspaceToken } });
    await until(conn.id, (c) => c.pendingVerification === null);
    await ctx.api(`${base}/${conn.id}/projects`);
    await ctx.api(`${base}/${conn.id}`, { method: "DELETE" });

    const res = await ctx.api(`/api/v1/audit-logs?connectionId=${conn.id}`);
    const { auditLogs } = await body(res);
    expect(auditLogs.map((e: Conn) => e.action)).toEqual([
      "app-connection.deleted",
      "app-connection.credentials-read",
      "app-connection.verified",
      "app-connection.updated",
      "app-connection.updated",
      "app-connection.verified",
      "app-connection.created",
    ]);
    const updates = auditLogs.filter((e: Conn) => e.action === "app-connection.updated");
    expect(updates.map((e: Conn) => e.details.credentialsChanged)).toEqual([true, false]);
    expect(auditLogs[0].actor).toEqual({ type: "api-key", keyId: expect.any(String) });
    expect(auditLogs[2].actor).toEqual({ type: "system", reason: "verification" });
    expect(auditLogs[2].details).toMatchObject({ purpose: "rotation", outcome: "verified" });
    for (const e of auditLogs)
      expect(e).toMatchObject({ connectionId: conn.id, orgId: ctx.stack.orgId, at: expect.any(String) });
    const text = JSON.stringify(auditLogs);
    expect(text).not.toContain(fresh.workspaceToken);

    const page = await body(await ctx.api(`/api/v1/audit-logs?connectionId=${conn.id}&limit=3`));
    expect(page.auditLogs).toHaveLength(3);
    const rest = await body(
      await ctx.api(`/api/v1/audit-logs?connectionId=${conn.id}&limit=10&cursor=${page.nextCursor}`),
    );
    expect([...page.auditLogs, ...rest.auditLogs].map((e: Conn) => e.id)).toEqual(auditLogs.map((e: Conn) => e.id));
  });
});

async function until(id: string, done: (c: Conn) => boolean, timeoutMs = 20_000): Promise<Conn> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const conn = (await body(await ctx.api(`${base}/${id}`))).appConnection;
    if (done(conn)) return conn;
    if (Date.now() > deadline) throw new Error(`connection ${id} did not settle: ${JSON.stringify(conn)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
