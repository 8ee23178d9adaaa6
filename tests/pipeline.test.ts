import { describe, expect, it } from "vitest";
import { settled, useStack } from "./support/stack.ts";

const ctx = useStack();
const base = "/api/v1/app-connections/railway";

const world = () => {
  const user = ctx.railway.addUser({ name: "Ada Lovelace", email: "ada@example.com" });
  const workspace = ctx.railway.addWorkspace(user.id, { name: "Analytical Engines" });
  const project = ctx.railway.addProject(workspace.id, { name: "engine", environments: ["production", "staging"] });
  const environment = project.environments[0]!;
  return {
    user,
    workspace,
    project,
    environment,
    projectToken: ctx.railway.createProjectToken(project.id, environment.id),
  };
};

let names = 0;
const create = async (method: string, apiToken: string, extra: Record<string, unknown> = {}) => {
  const res = await ctx.api(base, { json: { name: `conn-${++names}`, method, credentials: { apiToken }, ...extra } });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { appConnection: Record<string, any> };
  expect(res.headers.get("location")).toBe(`${base}/${body.appConnection.id}`);
  return body.appConnection;
};

const seen = (token: string) =>
  ctx.railway.requests.filter((r) => r.authorization?.includes(token) || r.projectAccessToken === token);

describe("create answers at once with the prior art's shape", () => {
  it("returns 202, a Location and a pending connection", async () => {
    const { workspace } = world();
    const projectId = "7ffbb072-2575-495a-b5b0-127f88caef78";
    const conn = await create("team-token", workspace.workspaceToken, { projectId, description: "CI deploys" });
    expect(conn).toMatchObject({
      name: `conn-${names}`,
      description: "CI deploys",
      projectId,
      version: 1,
      orgId: ctx.stack.orgId,
      isPlatformManagedCredentials: false,
      app: "railway",
      method: "team-token",
      credentials: {},
      status: "pending",
      statusMessage: null,
      verifiedAt: null,
      railway: null,
    });
    expect(conn.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(conn.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(conn.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(conn.updatedAt).toBe(conn.createdAt);
  });
});

describe("each method verifies with its own header and query", () => {
  it("account token: Bearer and `me`, then active with the account's name and email", async () => {
    const { user, workspace } = world();
    const conn = await settled(ctx, (await create("account-token", user.accountToken)).id);
    expect(conn.status).toBe("active");
    expect(conn.statusMessage).toBeNull();
    expect(Date.parse(conn.verifiedAt)).toBeGreaterThan(Date.parse(conn.createdAt) - 1);
    expect(conn.railway.account).toEqual({ id: user.id, name: "Ada Lovelace", email: "ada@example.com" });
    expect(conn.railway.workspaces).toContainEqual({ id: workspace.id, name: "Analytical Engines" });
    const requests = seen(user.accountToken);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ authorization: `Bearer ${user.accountToken}`, fields: ["me"] });
    expect(requests[0]?.projectAccessToken).toBeUndefined();
  });

  it("team token: Bearer and `apiToken { workspaces }`, never `me`", async () => {
    const { workspace } = world();
    const conn = await settled(ctx, (await create("team-token", workspace.workspaceToken)).id);
    expect(conn.status).toBe("active");
    expect(conn.railway).toEqual({ workspaces: [{ id: workspace.id, name: "Analytical Engines" }] });
    const requests = seen(workspace.workspaceToken);
    expect(requests.map((r) => r.fields)).toEqual([["apiToken"]]);
    expect(requests[0]?.authorization).toBe(`Bearer ${workspace.workspaceToken}`);
  });

  it("project token: Project-Access-Token and `projectToken`, then active with project and environment", async () => {
    const { project, environment, projectToken } = world();
    const conn = await settled(ctx, (await create("project-token", projectToken)).id);
    expect(conn.status).toBe("active");
    expect(conn.railway).toEqual({
      project: { id: project.id, name: "engine" },
      environment: { id: environment.id, name: "production" },
    });
    const requests = seen(projectToken);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ projectAccessToken: projectToken, fields: ["projectToken"] });
    expect(requests[0]?.authorization).toBeUndefined();
  });

  it("a verified connection keeps the credentialsHash its create returned", async () => {
    const { workspace } = world();
    const pending = await create("team-token", workspace.workspaceToken);
    const conn = await settled(ctx, pending.id);
    expect(conn.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(conn.credentialsHash).toBe(pending.credentialsHash);
    expect(Date.parse(conn.updatedAt)).toBeGreaterThanOrEqual(Date.parse(pending.updatedAt));
  });
});

describe("rejected tokens fail with a reason a person can act on", () => {
  it("a revoked token fails, saying Railway rejected it and where to make a new one", async () => {
    const { user } = world();
    ctx.railway.revokeToken(user.accountToken);
    const conn = await settled(ctx, (await create("account-token", user.accountToken)).id);
    expect(conn.status).toBe("failed");
    expect(conn.statusMessage).toMatch(/Railway rejected this account token \(Not Authorized\)/);
    expect(conn.statusMessage).toMatch(/revoked/);
    expect(conn.statusMessage).toMatch(/Account Settings → Tokens/);
    expect(conn.railway).toBeNull();
  });

  it.each([
    [
      "a workspace token chosen as account-token",
      "account-token",
      "team-token",
      (w: ReturnType<typeof world>) => w.workspace.workspaceToken,
    ],
    [
      "a project token chosen as team-token",
      "team-token",
      "project-token",
      (w: ReturnType<typeof world>) => w.projectToken,
    ],
    [
      "an account token chosen as project-token",
      "project-token",
      "account-token",
      (w: ReturnType<typeof world>) => w.user.accountToken,
    ],
    [
      "a workspace token chosen as project-token",
      "project-token",
      "team-token",
      (w: ReturnType<typeof world>) => w.workspace.workspaceToken,
    ],
  ])("%s fails with the hint to choose the right method", async (_, chosen, actual, token) => {
    const conn = await settled(ctx, (await create(chosen as string, token(world()))).id);
    expect(conn.status).toBe("failed");
    expect(conn.statusMessage).toMatch(
      /^Railway rejected this token as an? (account|workspace \(team\)|project) token, but it is a valid /,
    );
    expect(conn.statusMessage).toContain(`Choose the method "${actual}" instead`);
  });

  it.each(["http-401", "http-403", "null-data"] as const)(
    "a rejection delivered as %s also fails the token",
    async (style) => {
      const { user } = world();
      ctx.railway.revokeToken(user.accountToken);
      ctx.railway.setOptions({ rejection: style });
      try {
        const conn = await settled(ctx, (await create("account-token", user.accountToken)).id);
        expect(conn.status).toBe("failed");
        expect(conn.statusMessage).toMatch(/^Railway rejected this account token/);
      } finally {
        ctx.railway.setOptions({ rejection: "graphql-200" });
      }
    },
  );

  it("a token that is unknown everywhere gets no method hint", async () => {
    const conn = await settled(ctx, (await create("team-token", "not-a-real-token")).id);
    expect(conn.status).toBe("failed");
    expect(conn.statusMessage).not.toContain("Choose the method");
    expect(conn.statusMessage).toContain("workspace (team) token");
  });
});

describe("Railway faults do not fail a good token", () => {
  it("a 503 is retried through the queue and the connection still turns active", async () => {
    const { workspace } = world();
    ctx.railway.injectFaults({ type: "status", status: 503 });
    const conn = await settled(ctx, (await create("team-token", workspace.workspaceToken)).id);
    expect(conn.status).toBe("active");
    expect(seen(workspace.workspaceToken).map((r) => r.status)).toEqual([503, 200]);
  });

  it("when Railway stays down, the connection fails saying Railway was unreachable, not that the token is bad", async () => {
    const { workspace } = world();
    ctx.railway.injectFaults(...Array.from({ length: 3 }, () => ({ type: "status" as const, status: 502 })));
    const conn = await settled(ctx, (await create("team-token", workspace.workspaceToken)).id, 25_000);
    expect(conn.status).toBe("failed");
    expect(conn.statusMessage).toMatch(/could not be reached.*HTTP 502.*3 attempts.*not rejected/);
    expect(seen(workspace.workspaceToken)).toHaveLength(3);
  });
});

describe("secrets never leave in plaintext", () => {
  it("no captured log line holds any token used in this file", () => {
    const tokens = ctx.railway.requests.flatMap((r) => [
      r.authorization?.replace(/^Bearer /, ""),
      r.projectAccessToken,
    ]);
    const used = [...new Set(tokens.filter((t): t is string => !!t && t.length > 8))];
    expect(used.length).toBeGreaterThan(5);
    const output = ctx.output.join("");
    expect(output).toContain('"message":"verification settled"');
    for (const token of used) expect(output).not.toContain(token);
  });
});
