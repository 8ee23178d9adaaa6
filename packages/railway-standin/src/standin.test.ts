import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Demo, RailwayStandin, type RejectionStyle } from "./index.ts";

interface GraphQLBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface Credentials {
  bearer?: string;
  authorization?: string;
  projectToken?: string;
}

let standin: RailwayStandin;

beforeAll(async () => {
  standin = await RailwayStandin.start();
});
beforeEach(() => standin.reset());
afterAll(() => standin.close());

async function gql(
  query: string,
  options: Credentials & { variables?: Record<string, unknown>; operationName?: string; url?: string } = {},
) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.projectToken !== undefined) headers["project-access-token"] = options.projectToken;
  const response = await fetch(options.url ?? standin.url, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: options.variables, operationName: options.operationName }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("missing fixture");
  return value;
}

/** Ada has a personal and a team workspace; Bob has his own, out of Ada's reach. */
function buildWorld() {
  const ada = standin.addUser({ name: "Ada", email: "ada@example.com" });
  const personal = standin.addWorkspace(ada.id, { name: "Personal" });
  const team = standin.addWorkspace(ada.id, { name: "Team" });
  const bob = standin.addUser({ name: "Bob" });
  const bobs = standin.addWorkspace(bob.id, { name: "Bob's" });
  const app = standin.addProject(team.id, {
    name: "app",
    environments: ["production", "staging"],
    services: ["api", "worker"],
  });
  const notes = standin.addProject(personal.id, { name: "notes" });
  const foreign = standin.addProject(bobs.id, { name: "foreign" });
  const production = must(app.environments[0]);
  const staging = must(app.environments[1]);
  const api = must(app.services[0]);
  const projectToken = standin.createProjectToken(app.id, production.id);
  return { ada, personal, team, bob, bobs, app, notes, foreign, production, staging, api, projectToken };
}

const notAuthorized = {
  data: null,
  errors: [{ message: "Not Authorized", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
};

describe("auth", () => {
  it("answers me for an account token", async () => {
    const { ada } = buildWorld();
    const { status, body } = await gql("{ me { id name email } }", { bearer: ada.accountToken });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: { id: ada.id, name: "Ada", email: "ada@example.com" } } });
  });

  it("lists only the user's own workspaces under me", async () => {
    const { ada, personal, team } = buildWorld();
    const { body } = await gql("{ me { workspaces { id name } } }", { bearer: ada.accountToken });
    expect(body.data).toEqual({
      me: {
        workspaces: [
          { id: personal.id, name: "Personal" },
          { id: team.id, name: "Team" },
        ],
      },
    });
  });

  it("refuses me for a workspace token with HTTP 200 and data null", async () => {
    const { team } = buildWorld();
    const { status, body } = await gql("{ me { id } }", { bearer: team.workspaceToken });
    expect(status).toBe(200);
    expect(body).toMatchObject(notAuthorized);
    expect(body.data).toBeNull();
  });

  it("gives a workspace token exactly its own workspace under apiToken", async () => {
    const { team } = buildWorld();
    const { body } = await gql("{ apiToken { workspaces { id name } } }", { bearer: team.workspaceToken });
    expect(body).toEqual({ data: { apiToken: { workspaces: [{ id: team.id, name: "Team" }] } } });
  });

  it("gives an account token all of its workspaces under apiToken", async () => {
    const { ada, personal, team } = buildWorld();
    const { body } = await gql("{ apiToken { workspaces { id name } } }", { bearer: ada.accountToken });
    expect(body).toEqual({
      data: {
        apiToken: {
          workspaces: [
            { id: personal.id, name: "Personal" },
            { id: team.id, name: "Team" },
          ],
        },
      },
    });
  });

  it("answers projectToken for a project token in Project-Access-Token", async () => {
    const { app, production, projectToken } = buildWorld();
    const { status, body } = await gql(
      "{ projectToken { projectId environmentId project { id name } environment { id name } } }",
      { projectToken },
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        projectToken: {
          projectId: app.id,
          environmentId: production.id,
          project: { id: app.id, name: "app" },
          environment: { id: production.id, name: "production" },
        },
      },
    });
  });

  it("does not accept a project token sent as Bearer", async () => {
    const { projectToken } = buildWorld();
    const asProject = await gql("{ projectToken { projectId } }", { bearer: projectToken });
    expect(asProject.body).toMatchObject(notAuthorized);
    const asAccount = await gql("{ me { id } }", { bearer: projectToken });
    expect(asAccount.body).toMatchObject(notAuthorized);
  });

  it("does not accept an account token in Project-Access-Token", async () => {
    const { ada } = buildWorld();
    const { body } = await gql("{ me { id } }", { projectToken: ada.accountToken });
    expect(body).toMatchObject(notAuthorized);
    const asProject = await gql("{ projectToken { projectId } }", { projectToken: ada.accountToken });
    expect(asProject.body).toMatchObject({ data: null, errors: [{ message: "project token not found" }] });
  });

  it("ignores Authorization without the Bearer scheme", async () => {
    const { ada } = buildWorld();
    const bare = await gql("{ me { id } }", { authorization: ada.accountToken });
    expect(bare.body).toMatchObject(notAuthorized);
    const withBearer = await gql("{ me { id } }", { authorization: `Bearer ${ada.accountToken}` });
    expect(withBearer.body).toEqual({ data: { me: { id: ada.id } } });
  });

  it("rejects a token once it is revoked", async () => {
    const { ada, team } = buildWorld();
    expect((await gql("{ me { id } }", { bearer: ada.accountToken })).body.data).toEqual({ me: { id: ada.id } });
    standin.revokeToken(ada.accountToken);
    standin.revokeToken(team.workspaceToken);
    expect((await gql("{ me { id } }", { bearer: ada.accountToken })).body).toMatchObject(notAuthorized);
    const workspace = await gql("{ apiToken { workspaces { id } } }", { bearer: team.workspaceToken });
    // apiToken is `ApiTokenContext!` in Railway's schema, so the whole of data goes null.
    expect(workspace.body).toMatchObject(notAuthorized);
  });

  it("says 'project token not found' for an unknown or revoked project token", async () => {
    const { projectToken } = buildWorld();
    const unknown = await gql("{ projectToken { projectId } }", {
      projectToken: "3f0e9c55-0000-4000-8000-000000000000",
    });
    expect(unknown.body).toMatchObject({ data: null, errors: [{ message: "project token not found" }] });
    standin.revokeToken(projectToken);
    const revoked = await gql("{ projectToken { projectId } }", { projectToken });
    expect(revoked.body).toMatchObject({ data: null, errors: [{ message: "project token not found" }] });
  });

  it("rejects every field without credentials", async () => {
    buildWorld();
    expect((await gql("{ me { id } }")).body).toMatchObject(notAuthorized);
    expect((await gql("{ projectToken { projectId } }")).body).toMatchObject(notAuthorized);
    expect((await gql("{ projects { edges { node { id } } } }")).body).toMatchObject(notAuthorized);
    // apiToken is `ApiTokenContext!` in Railway's schema, so the whole of data goes null.
    expect((await gql("{ apiToken { workspaces { id } } }")).body).toMatchObject(notAuthorized);
  });

  it("scopes projects(workspaceId) to what the token reaches", async () => {
    const { ada, team, personal, bobs, projectToken } = buildWorld();
    const names = async (bearer: string, workspaceId?: string) => {
      const { body } = await gql("query ($ws: String) { projects(workspaceId: $ws) { edges { node { name } } } }", {
        bearer,
        variables: { ws: workspaceId },
      });
      return body;
    };
    expect(await names(ada.accountToken)).toEqual({
      data: { projects: { edges: [{ node: { name: "app" } }, { node: { name: "notes" } }] } },
    });
    expect(await names(ada.accountToken, personal.id)).toEqual({
      data: { projects: { edges: [{ node: { name: "notes" } }] } },
    });
    expect(await names(team.workspaceToken)).toEqual({ data: { projects: { edges: [{ node: { name: "app" } }] } } });
    expect(await names(team.workspaceToken, team.id)).toEqual({
      data: { projects: { edges: [{ node: { name: "app" } }] } },
    });
    expect(await names(team.workspaceToken, personal.id)).toMatchObject(notAuthorized);
    expect(await names(ada.accountToken, bobs.id)).toMatchObject(notAuthorized);
    const asProject = await gql("{ projects { edges { node { name } } } }", { projectToken });
    expect(asProject.body).toMatchObject(notAuthorized);
  });

  it("scopes project(id) to what the token reaches", async () => {
    const { ada, team, app, notes, foreign, projectToken } = buildWorld();
    const read = async (id: string, credentials: Credentials) =>
      (await gql("query ($id: String!) { project(id: $id) { name } }", { ...credentials, variables: { id } })).body;
    expect(await read(app.id, { bearer: ada.accountToken })).toEqual({ data: { project: { name: "app" } } });
    expect(await read(notes.id, { bearer: ada.accountToken })).toEqual({ data: { project: { name: "notes" } } });
    expect(await read(foreign.id, { bearer: ada.accountToken })).toMatchObject(notAuthorized);
    expect(await read(app.id, { bearer: team.workspaceToken })).toEqual({ data: { project: { name: "app" } } });
    expect(await read(notes.id, { bearer: team.workspaceToken })).toMatchObject(notAuthorized);
    expect(await read(app.id, { projectToken })).toEqual({ data: { project: { name: "app" } } });
    expect(await read(notes.id, { projectToken })).toMatchObject(notAuthorized);
    expect(await read("no-such-project", { bearer: ada.accountToken })).toMatchObject(notAuthorized);
  });

  it("scopes variables to the project token's own environment", async () => {
    const { app, production, staging, notes, team, projectToken } = buildWorld();
    const read = async (projectId: string, environmentId: string, credentials: Credentials) =>
      (
        await gql("query ($p: String!, $e: String!) { variables(projectId: $p, environmentId: $e) }", {
          ...credentials,
          variables: { p: projectId, e: environmentId },
        })
      ).body;
    standin.setVariables({ projectId: app.id, environmentId: production.id }, { A: "1" });
    expect(await read(app.id, production.id, { projectToken })).toEqual({ data: { variables: { A: "1" } } });
    expect(await read(app.id, staging.id, { projectToken })).toMatchObject(notAuthorized);
    expect(await read(notes.id, must(notes.environments[0]).id, { projectToken })).toMatchObject(notAuthorized);
    expect(await read(app.id, staging.id, { bearer: team.workspaceToken })).toEqual({ data: { variables: {} } });
    expect(await read(notes.id, must(notes.environments[0]).id, { bearer: team.workspaceToken })).toMatchObject(
      notAuthorized,
    );
  });
});

describe("rejection styles", () => {
  it.each<[RejectionStyle, number, GraphQLBody]>([
    ["graphql-200", 200, notAuthorized],
    ["http-401", 401, { errors: [{ message: "Not Authorized" }] }],
    ["http-403", 403, { errors: [{ message: "Not Authorized" }] }],
  ])("%s answers HTTP %i with the error", async (rejection, status, expected) => {
    const { team } = buildWorld();
    standin.setOptions({ rejection });
    const rejected = await gql("{ me { id } }", { bearer: team.workspaceToken });
    expect(rejected.status).toBe(status);
    expect(rejected.headers.get("content-type")).toMatch(/application\/json/);
    expect(rejected.body).toMatchObject(expected);
    const accepted = await gql("{ apiToken { workspaces { id } } }", { bearer: team.workspaceToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ data: { apiToken: { workspaces: [{ id: team.id }] } } });
  });

  it("null-data answers HTTP 200 with data null and no errors", async () => {
    const { team } = buildWorld();
    standin.setOptions({ rejection: "null-data" });
    const rejected = await gql("{ me { id } }", { bearer: team.workspaceToken });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ data: null });
  });

  it("is taken from start options and restored by reset", async () => {
    const strict = await RailwayStandin.start({ rejection: "http-403" });
    try {
      strict.setOptions({ rejection: "http-401" });
      strict.reset();
      expect((await gql("{ me { id } }", { url: strict.url })).status).toBe(403);
    } finally {
      await strict.close();
    }
  });
});

describe("GraphQL execution", () => {
  it("runs a query with aliases, fragments, variables and a chosen operation", async () => {
    const { ada, app } = buildWorld();
    const query = /* GraphQL */ `
      query Other { me { id } }
      query Overview($projectId: String!, $envs: Int) {
        who: me { ...Person }
        thing: project(id: $projectId) {
          ... on Project { title: name }
          environments(first: $envs) { edges { node { name } } }
        }
      }
      fragment Person on User { email }
    `;
    const { status, body } = await gql(query, {
      bearer: ada.accountToken,
      operationName: "Overview",
      variables: { projectId: app.id, envs: 1 },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        who: { email: "ada@example.com" },
        thing: { title: "app", environments: { edges: [{ node: { name: "production" } }] } },
      },
    });
    expect(standin.requests.at(-1)?.fields).toEqual(["me", "project"]);
  });

  it("answers a minimal selection", async () => {
    const { ada } = buildWorld();
    expect((await gql("query { me { id } }", { bearer: ada.accountToken })).body).toEqual({
      data: { me: { id: ada.id } },
    });
  });

  it("pages through connections with opaque cursors", async () => {
    const ada = standin.addUser();
    const team = standin.addWorkspace(ada.id);
    const services = ["a", "b", "c", "d", "e"];
    const project = standin.addProject(team.id, { services });
    interface Page {
      project: {
        services: {
          edges: Array<{ cursor: string; node: { name: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages++) {
      const { body } = await gql(
        "query ($id: String!, $after: String) { project(id: $id) { services(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } } }",
        { bearer: ada.accountToken, variables: { id: project.id, after } },
      );
      const page = (body.data as Page).project.services;
      expect(page.edges.length).toBeLessThanOrEqual(2);
      seen.push(...page.edges.map((e) => e.node.name));
      for (const edge of page.edges) expect(edge.cursor).not.toContain(project.id);
      if (!page.pageInfo.hasNextPage) break;
      expect(pages).toBeLessThan(3);
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(services);

    const bad = await gql(
      'query ($id: String!) { project(id: $id) { services(after: "nope") { edges { cursor } } } }',
      {
        bearer: ada.accountToken,
        variables: { id: project.id },
      },
    );
    expect(bad.body.errors?.[0]?.message).toBe("Invalid cursor");
  });

  it("pages through projects", async () => {
    const ada = standin.addUser();
    const team = standin.addWorkspace(ada.id);
    for (const name of ["p1", "p2", "p3"]) standin.addProject(team.id, { name });
    const query =
      "query ($after: String) { projects(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }";
    const first = await gql(query, { bearer: ada.accountToken });
    expect(first.body.data).toMatchObject({
      projects: { edges: [{ node: { name: "p1" } }, { node: { name: "p2" } }], pageInfo: { hasNextPage: true } },
    });
    const endCursor = (first.body.data as { projects: { pageInfo: { endCursor: string } } }).projects.pageInfo
      .endCursor;
    const second = await gql(query, { bearer: ada.accountToken, variables: { after: endCursor } });
    expect(second.body.data).toEqual({
      projects: { edges: [{ node: { name: "p3" } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } },
    });
  });

  it("records each request's headers, top-level fields and status", async () => {
    const { ada } = buildWorld();
    await gql("{ me { id } apiToken { workspaces { id } } }", { bearer: ada.accountToken });
    expect(standin.requests).toEqual([
      expect.objectContaining({
        authorization: `Bearer ${ada.accountToken}`,
        projectAccessToken: undefined,
        fields: ["me", "apiToken"],
        status: 200,
      }),
    ]);
  });
});

describe("bad requests", () => {
  const post = (body: string, contentType = "application/json") =>
    fetch(standin.url, { method: "POST", headers: { "content-type": contentType }, body });

  it.each([
    ["invalid JSON", () => post("{nope")],
    ["a body without query", () => post(JSON.stringify({ variables: {} }))],
    ["a non-JSON content type", () => post(JSON.stringify({ query: "{ me { id } }" }), "text/plain")],
    ["a GET", () => fetch(`${standin.url}?query=%7Bme%7Bid%7D%7D`)],
    ["a syntax error", () => post(JSON.stringify({ query: "{ me { id }" }))],
    ["an unknown field", () => post(JSON.stringify({ query: "{ me { id password } }" }))],
    [
      "variables of the wrong type",
      () => post(JSON.stringify({ query: "query ($id: String!) { project(id: $id) { id } }", variables: { id: 7 } })),
    ],
  ])("answers 400 with errors for %s", async (_, send) => {
    const response = await send();
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLBody;
    expect(body.errors?.[0]?.message).toEqual(expect.any(String));
  });

  it("answers 404 off the endpoint", async () => {
    const response = await fetch(standin.url.replace("/graphql/v2", "/graphql"), { method: "POST" });
    expect(response.status).toBe(404);
  });
});

describe("variables", () => {
  const read = async (query: string, variables: Record<string, unknown>, credentials: Credentials) =>
    (await gql(query, { ...credentials, variables })).body;
  const READ =
    "query ($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }";

  it("upserts, reads and deletes a service variable, redeploying unless skipDeploys", async () => {
    const { app, production, api, projectToken } = buildWorld();
    const scope = { projectId: app.id, environmentId: production.id, serviceId: api.id };
    const upsert = await gql("mutation ($input: VariableUpsertInput!) { variableUpsert(input: $input) }", {
      projectToken,
      variables: { input: { ...scope, name: "TOKEN", value: "s3cret" } },
    });
    expect(upsert.body).toEqual({ data: { variableUpsert: true } });
    expect(standin.deployments).toEqual([scope]);
    expect(await read(READ, { p: app.id, e: production.id, s: api.id }, { projectToken })).toEqual({
      data: { variables: { TOKEN: "s3cret" } },
    });

    const remove = await gql("mutation ($input: VariableDeleteInput!) { variableDelete(input: $input) }", {
      projectToken,
      variables: { input: { ...scope, name: "TOKEN" } },
    });
    expect(remove.body).toEqual({ data: { variableDelete: true } });
    expect(standin.getVariables(scope)).toEqual({});

    await gql("mutation ($input: VariableUpsertInput!) { variableUpsert(input: $input) }", {
      projectToken,
      variables: { input: { ...scope, name: "QUIET", value: "1", skipDeploys: true } },
    });
    expect(standin.getVariables(scope)).toEqual({ QUIET: "1" });
    expect(standin.deployments).toHaveLength(2);
  });

  it("merges a collection, or wipes everything first with replace: true", async () => {
    const { app, production, api, team } = buildWorld();
    const scope = { projectId: app.id, environmentId: production.id, serviceId: api.id };
    standin.setVariables(scope, { HAND_MADE: "keep me", RAILWAY_DOCKERFILE_PATH: "Dockerfile", A: "old" });
    const upsert = (variables: Record<string, unknown>, replace?: boolean) =>
      gql("mutation ($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }", {
        bearer: team.workspaceToken,
        variables: { input: { ...scope, variables, replace, skipDeploys: true } },
      });

    expect((await upsert({ A: "new", B: "b" })).body).toEqual({ data: { variableCollectionUpsert: true } });
    expect(standin.getVariables(scope)).toEqual({
      HAND_MADE: "keep me",
      RAILWAY_DOCKERFILE_PATH: "Dockerfile",
      A: "new",
      B: "b",
    });
    await upsert({ C: "c" }, true);
    expect(standin.getVariables(scope)).toEqual({ C: "c" });
    expect(standin.deployments).toEqual([]);

    const wrong = await upsert({ N: 1 });
    expect(wrong.body.errors?.[0]?.message).toMatch(/string/);
    expect(standin.getVariables(scope)).toEqual({ C: "c" });
  });

  it("renders references unless unrendered: true", async () => {
    const { app, production, api, ada } = buildWorld();
    const shared = { projectId: app.id, environmentId: production.id };
    standin.setVariables(shared, { HOST: "example.com" });
    const references = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
      URL: "https://${{shared.HOST}}/x",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
      MISSING: "${{shared.NOPE}}",
    };
    standin.setVariables({ ...shared, serviceId: api.id }, references);
    const vars = { p: app.id, e: production.id, s: api.id };
    expect(await read(READ, vars, { bearer: ada.accountToken })).toEqual({
      data: { variables: { URL: "https://example.com/x", MISSING: "" } },
    });
    expect(await read(READ, { ...vars, u: true }, { bearer: ada.accountToken })).toEqual({
      data: { variables: references },
    });
  });

  it("refuses a project token writing outside its environment and changes nothing", async () => {
    const { app, staging, projectToken } = buildWorld();
    const { body } = await gql("mutation ($input: VariableUpsertInput!) { variableUpsert(input: $input) }", {
      projectToken,
      variables: { input: { projectId: app.id, environmentId: staging.id, name: "X", value: "1" } },
    });
    expect(body).toMatchObject(notAuthorized);
    expect(standin.getVariables({ projectId: app.id, environmentId: staging.id })).toEqual({});
    expect(standin.deployments).toEqual([]);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a token is over its hourly limit", async () => {
    const { ada, team } = buildWorld();
    standin.setOptions({ rateLimit: { perHour: 2 } });
    const first = await gql("{ me { id } }", { bearer: ada.accountToken });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect((await gql("{ me { id } }", { bearer: ada.accountToken })).headers.get("x-ratelimit-remaining")).toBe("0");

    const limited = await gql("{ me { id } }", { bearer: ada.accountToken });
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get("retry-after") ?? "";
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(3500);
    expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);

    const otherToken = await gql("{ apiToken { workspaces { id } } }", { bearer: team.workspaceToken });
    expect(otherToken.status).toBe(200);
  });

  it("a token with a budget of its own: its requests per window, then 429 until the window ends", async () => {
    const { ada, team } = buildWorld();
    standin.limitToken(team.workspaceToken, { requests: 2, windowMs: 1000 });
    const ask = () => gql("{ apiToken { workspaces { id } } }", { bearer: team.workspaceToken });
    const first = await ask();
    expect([first.status, first.headers.get("x-ratelimit-limit"), first.headers.get("x-ratelimit-remaining")]).toEqual([
      200,
      "2",
      "1",
    ]);
    const reset = Number(first.headers.get("x-ratelimit-reset"));
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 2000);
    expect((await ask()).headers.get("x-ratelimit-remaining")).toBe("0");
    const limited = await ask();
    expect([limited.status, limited.headers.get("retry-after"), limited.headers.get("x-ratelimit-remaining")]).toEqual([
      429,
      "1",
      "0",
    ]);
    // Other tokens are not limited, and the window ends.
    const other = await gql("{ me { id } }", { bearer: ada.accountToken });
    expect([other.status, other.headers.get("x-ratelimit-limit")]).toEqual([200, null]);
    await sleep(Math.max(0, reset * 1000 - Date.now()) + 50);
    const again = await ask();
    expect([again.status, again.headers.get("x-ratelimit-remaining")]).toEqual([200, "1"]);
  });
});

describe("injected faults", () => {
  it("answers an injected status once, in FIFO order", async () => {
    const { ada } = buildWorld();
    standin.injectFaults({ type: "status", status: 502 }, { type: "status", status: 503 });
    const call = () =>
      fetch(standin.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ada.accountToken}` },
        body: JSON.stringify({ query: "{ me { id } }" }),
      });
    expect((await call()).status).toBe(502);
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(200);
    expect(standin.requests.map((r) => r.status)).toEqual([502, 503, 200]);
  });

  it("answers an injected rate limit with the given Retry-After", async () => {
    const { ada } = buildWorld();
    standin.injectFaults({ type: "rateLimited", retryAfter: 7 });
    const limited = await gql("{ me { id } }", { bearer: ada.accountToken });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await gql("{ me { id } }", { bearer: ada.accountToken })).status).toBe(200);
  });

  it("delays one answer, then answers normally", async () => {
    const { ada } = buildWorld();
    standin.injectFaults({ type: "delay", ms: 300 });
    const started = performance.now();
    const delayed = await gql("{ me { id } }", { bearer: ada.accountToken });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(delayed.body).toEqual({ data: { me: { id: ada.id } } });
    const next = performance.now();
    await gql("{ me { id } }", { bearer: ada.accountToken });
    expect(performance.now() - next).toBeLessThan(250);
  });

  it("adds constant latency to every request", async () => {
    const { ada } = buildWorld();
    standin.setOptions({ latencyMs: 200 });
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      expect((await gql("{ me { id } }", { bearer: ada.accountToken })).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    }
  });

  it("drops the connection without an answer", async () => {
    const { ada } = buildWorld();
    standin.injectFaults({ type: "drop" });
    await expect(gql("{ me { id } }", { bearer: ada.accountToken })).rejects.toThrow();
    expect(standin.requests[0]?.status).toBe(0);
    expect((await gql("{ me { id } }", { bearer: ada.accountToken })).status).toBe(200);
  });

  it("hangs until the client gives up", async () => {
    const { ada } = buildWorld();
    standin.injectFaults({ type: "hang" });
    const hanging = fetch(standin.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ada.accountToken}` },
      body: JSON.stringify({ query: "{ me { id } }" }),
      signal: AbortSignal.timeout(400),
    });
    await expect(hanging).rejects.toThrow(/timeout|aborted/i);
    expect((await gql("{ me { id } }", { bearer: ada.accountToken })).status).toBe(200);
  });

  it("keeps a hung request open until the stand-in closes", async () => {
    const own = await RailwayStandin.start();
    own.injectFaults({ type: "hang" });
    const hanging = fetch(own.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    const outcome = await Promise.race([
      hanging.then(
        () => "answered",
        () => "failed",
      ),
      sleep(300, "pending"),
    ]);
    expect(outcome).toBe("pending");
    await own.close();
    await expect(hanging).rejects.toThrow();
  });
});

describe("demo world", () => {
  it("accepts the documented demo tokens", async () => {
    const demo = await RailwayStandin.start({ seedDemo: true });
    try {
      const url = demo.url;
      const me = await gql("{ me { name email } }", { url, bearer: Demo.tokens.account });
      expect(me.body).toEqual({ data: { me: { name: "Ada Lovelace", email: "ada@example.com" } } });
      const workspace = await gql("{ apiToken { workspaces { id name } } }", { url, bearer: Demo.tokens.workspace });
      expect(workspace.body).toEqual({ data: { apiToken: { workspaces: [Demo.workspaces.team] } } });
      const project = await gql("{ projectToken { project { name } environment { name } } }", {
        url,
        projectToken: Demo.tokens.project,
      });
      expect(project.body).toEqual({
        data: { projectToken: { project: { name: "difference-engine" }, environment: { name: "production" } } },
      });
      demo.revokeToken(Demo.tokens.account);
      demo.reset();
      expect((await gql("{ me { name } }", { url, bearer: Demo.tokens.account })).status).toBe(200);
      expect((await gql("{ me { name } }", { url, bearer: Demo.tokens.account })).body.data).toEqual({
        me: { name: "Ada Lovelace" },
      });
    } finally {
      await demo.close();
    }
  });
});

describe("demo world's variables and deployments", () => {
  it("has a RAILWAY_* variable, references, and services with and without a deployment", async () => {
    const demo = await RailwayStandin.start({ seedDemo: true });
    try {
      const engine = Demo.projects.differenceEngine;
      const production = { projectId: engine.id, environmentId: engine.environments.production.id };
      const read = async (serviceId: string, unrendered: boolean) =>
        (
          await gql(
            "query ($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }",
            {
              url: demo.url,
              projectToken: Demo.tokens.project,
              variables: { p: production.projectId, e: production.environmentId, s: serviceId, u: unrendered },
            },
          )
        ).body.data as { variables: Record<string, string> };
      const api = await read(engine.services.api.id, true);
      expect(api.variables.RAILWAY_PUBLIC_DOMAIN).toBe("api-production.up.railway.app");
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
      expect(api.variables.PUBLIC_URL).toBe("${{shared.APP_URL}}/api");
      expect((await read(engine.services.worker.id, false)).variables.API_URL).toBe(
        "https://difference-engine.example.com/api",
      );

      const latest = async (serviceId: string, status?: string[]) =>
        (
          await gql(
            "query ($input: DeploymentListInput!) { deployments(first: 1, input: $input) { edges { node { id status } } } }",
            {
              url: demo.url,
              projectToken: Demo.tokens.project,
              variables: { input: { ...production, serviceId, ...(status ? { status: { in: status } } : {}) } },
            },
          )
        ).body.data as { deployments: { edges: Array<{ node: { id: string; status: string } }> } };
      expect((await latest(engine.services.api.id)).deployments.edges).toEqual([
        { node: { id: Demo.deployments.apiProductionCrashed, status: "CRASHED" } },
      ]);
      expect((await latest(engine.services.api.id, ["SUCCESS"])).deployments.edges).toEqual([
        { node: { id: Demo.deployments.apiProduction, status: "SUCCESS" } },
      ]);
      expect((await latest(engine.services.worker.id)).deployments.edges).toEqual([]);
      expect(demo.deployments).toEqual([]);
    } finally {
      await demo.close();
    }
  });
});

describe("random faults", () => {
  it("draws faults at the configured rates, and none when the rates are zero", async () => {
    const standin = await RailwayStandin.start({
      randomFaults: [{ rate: 0.5, fault: { type: "status", status: 503 } }],
    });
    try {
      const statuses = [];
      for (let i = 0; i < 200; i++)
        statuses.push(
          (
            await fetch(standin.url, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: '{"query":"{ me { id } }"}',
            })
          ).status,
        );
      const failures = statuses.filter((s) => s === 503).length;
      expect(failures).toBeGreaterThan(60);
      expect(failures).toBeLessThan(140);
      standin.setOptions({ randomFaults: [{ rate: 0, fault: { type: "status", status: 503 } }] });
      const after = await fetch(standin.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"query":"{ me { id } }"}',
      });
      expect(after.status).toBe(200);
    } finally {
      await standin.close();
    }
  });
});

describe("Railway's variable API", () => {
  const UPSERT = "mutation ($input: VariableUpsertInput!) { variableUpsert(input: $input) }";
  const COLLECTION = "mutation ($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }";
  const DELETE = "mutation ($input: VariableDeleteInput!) { variableDelete(input: $input) }";
  const READ =
    "query ($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }";

  /** `app` (production, staging) with `api` and `worker` deployed and `cron` never deployed. */
  function deployedWorld() {
    const world = buildWorld();
    const app = standin.addProject(world.team.id, {
      name: "deployed",
      environments: ["production", "staging"],
      services: ["api", "worker", "cron"],
      undeployed: ["cron"],
    });
    const [production, staging] = [must(app.environments[0]), must(app.environments[1])];
    const [api, worker, cron] = [must(app.services[0]), must(app.services[1]), must(app.services[2])];
    const shared = { projectId: app.id, environmentId: production.id };
    const projectToken = standin.createProjectToken(app.id, production.id);
    return { ...world, app, production, staging, api, worker, cron, shared, projectToken };
  }

  it("redeploys each deployed service of the environment after a shared change without skipDeploys", async () => {
    const { shared, api, worker, team } = deployedWorld();
    const { body } = await gql(COLLECTION, {
      bearer: team.workspaceToken,
      variables: { input: { ...shared, variables: { A: "1", B: "2" } } },
    });
    expect(body).toEqual({ data: { variableCollectionUpsert: true } });
    expect(standin.getVariables(shared)).toEqual({ A: "1", B: "2" });
    expect(standin.deployments).toEqual([
      { ...shared, serviceId: api.id },
      { ...shared, serviceId: worker.id },
    ]);
    expect(standin.listDeployments({ ...shared, serviceId: api.id })).toHaveLength(2);
  });

  it("redeploys only the one service after a service change, and nothing with skipDeploys: true", async () => {
    const { shared, api, cron, team } = deployedWorld();
    const send = (query: string, input: Record<string, unknown>) =>
      gql(query, { bearer: team.workspaceToken, variables: { input } });
    await send(COLLECTION, { ...shared, serviceId: api.id, variables: { A: "1" } });
    await send(UPSERT, { ...shared, serviceId: api.id, name: "B", value: "2" });
    expect(standin.deployments).toEqual([
      { ...shared, serviceId: api.id },
      { ...shared, serviceId: api.id },
    ]);
    await send(COLLECTION, { ...shared, serviceId: api.id, variables: { C: "3" }, skipDeploys: true });
    await send(UPSERT, { ...shared, serviceId: api.id, name: "D", value: "4", skipDeploys: true });
    await send(COLLECTION, { ...shared, variables: { E: "5" }, skipDeploys: true });
    // A service that was never deployed has nothing to redeploy.
    await send(UPSERT, { ...shared, serviceId: cron.id, name: "F", value: "6" });
    expect(standin.deployments).toHaveLength(2);
    expect(standin.getVariables({ ...shared, serviceId: api.id })).toEqual({ A: "1", B: "2", C: "3", D: "4" });
    expect(standin.getVariables({ ...shared, serviceId: cron.id })).toEqual({ F: "6" });
    expect(standin.count("variableCollectionUpsert")).toBe(3);
    expect(standin.count("variableUpsert")).toBe(3);
  });

  it("always redeploys after variableDelete, which has no skipDeploys", async () => {
    const { shared, api, team } = deployedWorld();
    standin.setVariables({ ...shared, serviceId: api.id }, { A: "1", B: "2" });
    const { body } = await gql(DELETE, {
      bearer: team.workspaceToken,
      variables: { input: { ...shared, serviceId: api.id, name: "A" } },
    });
    expect(body).toEqual({ data: { variableDelete: true } });
    expect(standin.getVariables({ ...shared, serviceId: api.id })).toEqual({ B: "2" });
    expect(standin.deployments).toEqual([{ ...shared, serviceId: api.id }]);

    const withSkip = await gql(DELETE, {
      bearer: team.workspaceToken,
      variables: { input: { ...shared, serviceId: api.id, name: "B", skipDeploys: true } },
    });
    expect(withSkip.status).toBe(400);
    expect(withSkip.body.errors?.[0]?.message).toMatch(/skipDeploys/);
    expect(standin.getVariables({ ...shared, serviceId: api.id })).toEqual({ B: "2" });
    expect(standin.count("variableDelete")).toBe(1);
  });

  it("refuses to change a RAILWAY_* variable and changes nothing", async () => {
    const { shared, api, team } = deployedWorld();
    const scope = { ...shared, serviceId: api.id };
    standin.setVariables(scope, { RAILWAY_PUBLIC_DOMAIN: "api.up.railway.app", A: "1" });
    const attempts: Array<[string, Record<string, unknown>]> = [
      [UPSERT, { ...scope, name: "RAILWAY_PUBLIC_DOMAIN", value: "evil.example.com" }],
      [UPSERT, { ...scope, name: "RAILWAY_NEW", value: "x", skipDeploys: true }],
      [COLLECTION, { ...scope, variables: { A: "2", RAILWAY_PUBLIC_DOMAIN: "evil.example.com" } }],
      [DELETE, { ...scope, name: "RAILWAY_PUBLIC_DOMAIN" }],
    ];
    for (const [query, input] of attempts) {
      const { status, body } = await gql(query, { bearer: team.workspaceToken, variables: { input } });
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.message).toMatch(/RAILWAY_\w+ is provided by Railway and cannot be changed/);
    }
    expect(standin.getVariables(scope)).toEqual({ RAILWAY_PUBLIC_DOMAIN: "api.up.railway.app", A: "1" });
    expect(standin.deployments).toEqual([]);
  });

  it("stores references as written and renders them unless unrendered: true", async () => {
    const { shared, api, worker, team } = deployedWorld();
    const send = (input: Record<string, unknown>) =>
      gql(COLLECTION, { bearer: team.workspaceToken, variables: { input: { ...input, skipDeploys: true } } });
    await send({ ...shared, variables: { HOST: "example.com" } });
    await send({ ...shared, serviceId: api.id, variables: { PORT: "8080" } });
    const references = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
      URL: "https://${{shared.HOST}}:${{api.PORT}}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
      SELF: "${{ LOCAL }}!",
      LOCAL: "here",
    };
    await send({ ...shared, serviceId: worker.id, variables: references });
    expect(standin.getVariables({ ...shared, serviceId: worker.id })).toEqual(references);
    const vars = { p: shared.projectId, e: shared.environmentId, s: worker.id };
    const rendered = await gql(READ, { bearer: team.workspaceToken, variables: vars });
    expect(rendered.body).toEqual({
      data: { variables: { URL: "https://example.com:8080", SELF: "here!", LOCAL: "here" } },
    });
    const raw = await gql(READ, { bearer: team.workspaceToken, variables: { ...vars, u: true } });
    expect(raw.body).toEqual({ data: { variables: references } });
  });

  it("keeps a project token to its own environment", async () => {
    const { app, staging, api, worker, projectToken, shared } = deployedWorld();
    const sibling = { projectId: app.id, environmentId: staging.id };
    standin.setVariables(sibling, { A: "staging" });
    const read = await gql(READ, { projectToken, variables: { p: app.id, e: staging.id } });
    expect(read.body).toMatchObject(notAuthorized);
    for (const [query, input] of [
      [UPSERT, { ...sibling, name: "B", value: "1" }],
      [COLLECTION, { ...sibling, variables: { B: "1" } }],
      [DELETE, { ...sibling, name: "A" }],
    ] as const) {
      expect((await gql(query, { projectToken, variables: { input } })).body).toMatchObject(notAuthorized);
    }
    expect(standin.getVariables(sibling)).toEqual({ A: "staging" });
    const own = await gql(UPSERT, { projectToken, variables: { input: { ...shared, name: "B", value: "1" } } });
    expect(own.body).toEqual({ data: { variableUpsert: true } });
    expect(standin.deployments).toEqual([
      { ...shared, serviceId: api.id },
      { ...shared, serviceId: worker.id },
    ]);
  });
});

describe("sealed variables and the services that read shared ones", () => {
  const READ =
    "query ($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }";
  const COLLECTION = "mutation ($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }";
  const DELETE = "mutation ($input: VariableDeleteInput!) { variableDelete(input: $input) }";
  const INSTANCES =
    "query ($id: String!, $p: String, $after: String) { environment(id: $id, projectId: $p) { serviceInstances(first: 1, after: $after) { edges { node { serviceId serviceName environmentId } } pageInfo { hasNextPage endCursor } } } }";

  type Instances = {
    environment: {
      serviceInstances: {
        edges: Array<{ node: { serviceId: string; serviceName: string; environmentId: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
  };

  function sharedWorld() {
    const world = buildWorld();
    const app = standin.addProject(world.team.id, {
      name: "readers",
      environments: ["production", "staging"],
      services: ["api", "web", "cron"],
    });
    const [production, staging] = [must(app.environments[0]), must(app.environments[1])];
    const [api, web, cron] = [must(app.services[0]), must(app.services[1]), must(app.services[2])];
    const shared = { projectId: app.id, environmentId: production.id };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
    standin.setVariables({ ...shared, serviceId: api.id }, { U: "${{shared.URL}}/api" });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
    standin.setVariables({ ...shared, serviceId: web.id }, { K: "${{ shared.KEEP }}" });
    const projectToken = standin.createProjectToken(app.id, production.id);
    return { ...world, app, production, staging, api, web, cron, shared, projectToken };
  }

  it("answers null for a sealed variable, rendered or not, and keeps its value for references", async () => {
    const { shared, api, team } = sharedWorld();
    standin.setVariables(shared, { URL: "https://a.example", OPEN: "o" });
    standin.sealVariables(shared, ["URL"]);
    for (const u of [true, false]) {
      const { body } = await gql(READ, {
        bearer: team.workspaceToken,
        variables: { p: shared.projectId, e: shared.environmentId, u },
      });
      expect(body).toEqual({ data: { variables: { URL: null, OPEN: "o" } } });
    }
    const rendered = await gql(READ, {
      bearer: team.workspaceToken,
      variables: { p: shared.projectId, e: shared.environmentId, s: api.id },
    });
    expect(rendered.body).toEqual({ data: { variables: { U: "https://a.example/api" } } });
    expect(standin.getVariables(shared)).toEqual({ URL: "https://a.example", OPEN: "o" });
    expect(standin.sealedVariables(shared)).toEqual(["URL"]);
    expect(() => standin.sealVariables(shared, ["NONE"])).toThrow(/no variable NONE/);
  });

  it("a write or a delete replaces a sealed variable with a plain one (Railway does not say what it does)", async () => {
    const { shared, team } = sharedWorld();
    standin.setVariables(shared, { A: "a", B: "b" });
    standin.sealVariables(shared, ["A", "B"]);
    await gql(COLLECTION, {
      bearer: team.workspaceToken,
      variables: { input: { ...shared, variables: { A: "new" }, skipDeploys: true } },
    });
    await gql(DELETE, { bearer: team.workspaceToken, variables: { input: { ...shared, name: "B" } } });
    expect(standin.sealedVariables(shared)).toEqual([]);
    expect(standin.getVariables(shared)).toEqual({ A: "new" });
  });

  it("lists an environment's service instances, paged, within the token's reach", async () => {
    const { shared, staging, app, team, projectToken, bob } = sharedWorld();
    const names: string[] = [];
    let after: string | null = null;
    do {
      const { body } = await gql(INSTANCES, {
        bearer: team.workspaceToken,
        variables: { id: shared.environmentId, p: app.id, after },
      });
      const page = (body.data as Instances).environment.serviceInstances;
      names.push(...page.edges.map((e) => e.node.serviceName));
      expect(page.edges[0]?.node.environmentId).toBe(shared.environmentId);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(names).toEqual(["api", "web", "cron"]);
    const own = await gql(INSTANCES, { projectToken, variables: { id: shared.environmentId } });
    expect((own.body.data as Instances).environment.serviceInstances.edges).toHaveLength(1);
    expect((await gql(INSTANCES, { projectToken, variables: { id: staging.id } })).body).toMatchObject(notAuthorized);
    expect(
      (await gql(INSTANCES, { bearer: bob.accountToken, variables: { id: shared.environmentId } })).body,
    ).toMatchObject(notAuthorized);
  });

  it("a shared change redeploys every deployed service by default, or only the readers of a changed name", async () => {
    const { shared, api, web, cron, team } = sharedWorld();
    const change = (variables: Record<string, string>) =>
      gql(COLLECTION, { bearer: team.workspaceToken, variables: { input: { ...shared, variables } } });
    await change({ URL: "1" });
    expect(standin.deployments.map((d) => d.serviceId)).toEqual([api.id, web.id, cron.id]);
    standin.setSharedDeploys("readers");
    await change({ URL: "2" });
    await gql(DELETE, { bearer: team.workspaceToken, variables: { input: { ...shared, name: "KEEP" } } });
    await change({ NOBODY: "n" });
    expect(standin.deployments.slice(3).map((d) => d.serviceId)).toEqual([api.id, web.id]);
    standin.reset();
    const again = sharedWorld();
    await gql(COLLECTION, {
      bearer: again.team.workspaceToken,
      variables: { input: { ...again.shared, variables: { NOBODY: "n" } } },
    });
    expect(standin.deployments).toHaveLength(3);
  });
});

describe("Railway's deployments API", () => {
  const LIST = /* GraphQL */ `
    query ($input: DeploymentListInput!, $first: Int, $last: Int, $before: String) {
      deployments(first: $first, last: $last, before: $before, input: $input) {
        edges { node { id status serviceId environmentId projectId createdAt } }
        pageInfo { hasNextPage hasPreviousPage }
      }
    }`;
  const REDEPLOY = "mutation ($id: String!) { deploymentRedeploy(id: $id) { id status serviceId environmentId } }";
  interface Listed {
    deployments: { edges: Array<{ node: { id: string; status: string; serviceId: string } }> };
  }
  const ids = (body: GraphQLBody) => (body.data as Listed).deployments.edges.map((e) => e.node.id);

  function world() {
    const base = buildWorld();
    const app = standin.addProject(base.team.id, {
      environments: ["production", "staging"],
      services: ["api", "cron"],
      undeployed: ["cron"],
    });
    const [production, staging] = [must(app.environments[0]), must(app.environments[1])];
    const [api, cron] = [must(app.services[0]), must(app.services[1])];
    const at = { projectId: app.id, environmentId: production.id, serviceId: api.id };
    const first = must(standin.listDeployments(at)[0]);
    const crashed = standin.addDeployment(at, { status: "CRASHED" });
    const projectToken = standin.createProjectToken(app.id, production.id);
    return { ...base, app, production, staging, api, cron, at, first, crashed, projectToken };
  }

  it("lists a service's deployments newest first, filtered by status and paged", async () => {
    const { at, first, crashed, team, cron } = world();
    const list = (variables: Record<string, unknown>) => gql(LIST, { bearer: team.workspaceToken, variables });
    const latest = await list({ first: 1, input: at });
    expect(latest.body).toEqual({
      data: {
        deployments: {
          edges: [
            {
              node: {
                id: crashed.id,
                status: "CRASHED",
                serviceId: at.serviceId,
                environmentId: at.environmentId,
                projectId: at.projectId,
                createdAt: crashed.createdAt.toISOString(),
              },
            },
          ],
          pageInfo: { hasNextPage: true, hasPreviousPage: false },
        },
      },
    });
    expect(ids((await list({ first: 1, input: { ...at, status: { in: ["SUCCESS"] } } })).body)).toEqual([first.id]);
    expect(ids((await list({ input: { ...at, status: { notIn: ["SUCCESS"] } } })).body)).toEqual([crashed.id]);
    expect(ids((await list({ last: 1, input: at })).body)).toEqual([first.id]);
    expect(ids((await list({ input: { ...at, serviceId: cron.id } })).body)).toEqual([]);
  });

  it("redeploys a deployment: a new successful one, counted as a deploy", async () => {
    const { at, first, team } = world();
    const { body } = await gql(REDEPLOY, { bearer: team.workspaceToken, variables: { id: first.id } });
    const redeployed = (body.data as { deploymentRedeploy: { id: string } }).deploymentRedeploy;
    expect(body).toEqual({
      data: {
        deploymentRedeploy: {
          id: expect.any(String),
          status: "SUCCESS",
          serviceId: at.serviceId,
          environmentId: at.environmentId,
        },
      },
    });
    expect(redeployed.id).not.toBe(first.id);
    expect(standin.listDeployments(at)[0]?.id).toBe(redeployed.id);
    expect(standin.deployments).toEqual([at]);
    expect(standin.count("deploymentRedeploy")).toBe(1);

    const unknown = await gql(REDEPLOY, { bearer: team.workspaceToken, variables: { id: "no-such-deployment" } });
    expect(unknown.body).toMatchObject(notAuthorized);
    expect(standin.deployments).toHaveLength(1);
  });

  it("gives a project token an empty list for a sibling environment and refuses its deployments", async () => {
    const { app, staging, at, first, projectToken, notes, team } = world();
    const siblingAt = { ...at, environmentId: staging.id };
    const sibling = must(standin.listDeployments(siblingAt)[0]);
    const own = await gql(LIST, { projectToken, variables: { input: at } });
    expect(ids(own.body)).toHaveLength(2);
    const siblingList = await gql(LIST, { projectToken, variables: { input: siblingAt } });
    expect(siblingList.body).toEqual({
      data: { deployments: { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false } } },
    });
    const byProject = await gql(LIST, { projectToken, variables: { input: { projectId: app.id } } });
    expect(ids(byProject.body)).toHaveLength(2);
    const otherProject = await gql(LIST, { projectToken, variables: { input: { projectId: notes.id } } });
    expect(otherProject.body).toMatchObject(notAuthorized);
    const foreign = await gql(LIST, { bearer: team.workspaceToken, variables: { input: { projectId: notes.id } } });
    expect(foreign.body).toMatchObject(notAuthorized);

    expect((await gql(REDEPLOY, { projectToken, variables: { id: sibling.id } })).body).toMatchObject(notAuthorized);
    expect((await gql(REDEPLOY, { projectToken, variables: { id: first.id } })).body).toMatchObject({
      data: { deploymentRedeploy: { status: "SUCCESS" } },
    });
    expect(standin.deployments).toEqual([at]);
  });
});

describe("Railway's schema", () => {
  it("accepts every argument Railway declares, such as last and before", async () => {
    const { ada } = buildWorld();
    const { status, body } = await gql(
      "{ projects(last: 1, before: null, includeDeleted: false) { edges { node { name } } pageInfo { hasPreviousPage } } }",
      { bearer: ada.accountToken },
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { projects: { edges: [{ node: { name: "notes" } }], pageInfo: { hasPreviousPage: true } } },
    });
  });

  it("lets a user have no name", async () => {
    const nameless = standin.addUser({ name: null });
    const { body } = await gql("{ me { id name } }", { bearer: nameless.accountToken });
    expect(body).toEqual({ data: { me: { id: nameless.id, name: null } } });
  });

  it("names a field Railway has that the stand-in does not serve", async () => {
    const { ada } = buildWorld();
    const { status, body } = await gql("{ me { id avatar } }", { bearer: ada.accountToken });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.message).toBe("The Railway stand-in does not serve User.avatar");
    const root = await gql("{ regions { name } }", { bearer: ada.accountToken });
    expect(root.body.errors?.[0]?.message).toBe("The Railway stand-in does not serve Query.regions");
  });

  it("counts only requests that were executed", async () => {
    const { ada } = buildWorld();
    await gql("{ me { id } }", { bearer: ada.accountToken });
    await gql("{ me { id nope } }", { bearer: ada.accountToken });
    standin.injectFaults({ type: "status", status: 503 });
    await expect(gql("{ me { id } }", { bearer: ada.accountToken })).rejects.toThrow(/JSON/);
    expect(standin.requests.map((r) => r.status)).toEqual([200, 400, 503]);
    expect(standin.count("me")).toBe(1);
  });
});
