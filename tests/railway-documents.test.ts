// Every GraphQL document our Railway client sends must be valid against Railway's real schema.
// The documents are captured from the client itself, run against the stand-in, not listed by hand.
import * as Railway from "@app/core/railway";
import * as Variables from "@app/core/railway/variables";
import { RailwayStandin, railwaySchema } from "@app/railway-standin";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let railway: RailwayStandin;
const savedUrl = process.env.RAILWAY_API_URL;

beforeAll(async () => {
  railway = await RailwayStandin.start();
  process.env.RAILWAY_API_URL = railway.url;
});
afterAll(async () => {
  if (savedUrl === undefined) delete process.env.RAILWAY_API_URL;
  else process.env.RAILWAY_API_URL = savedUrl;
  await railway.close();
});

const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

/** Big enough that every page the client reads has a next page: >50 projects, >100 environments and services. */
function buildWorld() {
  const ada = railway.addUser({ name: "Ada" });
  const nameless = railway.addUser({ name: null });
  const team = railway.addWorkspace(ada.id, { name: "Team" });
  const services = range(101, "service");
  const big = railway.addProject(team.id, {
    name: "big",
    environments: range(101, "env"),
    services,
    undeployed: services,
  });
  for (const name of range(50, "small")) railway.addProject(team.id, { name });
  const projectToken = railway.createProjectToken(big.id, big.environments[0]!.id);
  const tokens: Record<Railway.Method, string> = {
    "account-token": ada.accountToken,
    "team-token": team.workspaceToken,
    "project-token": projectToken,
  };
  const service = big.services[0]!;
  const scope = { projectId: big.id, environmentId: big.environments[0]!.id };
  return { tokens, nameless, scope, service: { ...scope, serviceId: service.id } };
}

/** Drives the real client through every request it can make; failures are kept so that invalid documents are reported first. */
async function captureClientDocuments() {
  railway.reset();
  const { tokens, nameless, scope, service } = buildWorld();
  const outcomes: Array<{ call: string; result?: unknown; error?: string }> = [];
  const run = async (call: string, send: () => Promise<unknown>) => {
    try {
      outcomes.push({ call, result: await send() });
    } catch (error) {
      outcomes.push({ call, error: String(error) });
    }
  };
  const methods = Railway.Method.options;
  for (const method of methods) {
    await run(`verifyToken(${method})`, () => Railway.verifyToken(method, tokens[method]));
    // A token of another kind, and one Railway does not know, make the client probe the other kinds.
    for (const other of methods.filter((m) => m !== method)) {
      await run(`verifyToken(${method}, ${other})`, () => Railway.verifyToken(method, tokens[other]));
    }
    await run(`verifyToken(${method}, unknown)`, () => Railway.verifyToken(method, "not-a-railway-token"));
    await run(`listProjects(${method})`, () => Railway.listProjects(method, tokens[method]));
  }
  await run("verifyToken(account-token, nameless)", () => Railway.verifyToken("account-token", nameless.accountToken));
  // A secret sync's calls (railway/variables), with each kind of token.
  railway.addDeployment(service, { status: "SUCCESS" });
  for (const method of methods) {
    const token = tokens[method];
    await run(`read(${method})`, () => Variables.read(method, token, service));
    await run(`read shared(${method})`, () => Variables.read(method, token, scope));
    await run(`upsert(${method})`, () => Variables.upsert(method, token, service, { SYNCED: "1" }));
    await run(`remove(${method})`, () => Variables.remove(method, token, service, "SYNCED"));
    await run(`latest(${method})`, async () => {
      const id = await Variables.latestSuccessfulDeployment(method, token, service);
      if (id) await Variables.redeploy(method, token, id);
      return id;
    });
    await run(`outOfReach(${method})`, () =>
      Variables.outOfReach(method, token, { ...service, serviceId: "not-a-service" }),
    );
  }
  return { requests: railway.requests, outcomes, nameless };
}

describe("the Railway client's GraphQL documents", () => {
  it("are each valid against Railway's real schema", async () => {
    const { requests, outcomes, nameless } = await captureClientDocuments();
    const documents = [...new Set(requests.map((r) => r.query))];
    const problems = documents.flatMap((query) =>
      validate(railwaySchema, parse(query)).map((error) => `${query}\n  → ${error.message}`),
    );
    expect(problems).toEqual([]);
    expect(requests.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);

    const outcome = (call: string) => outcomes.find((o) => o.call === call)?.result;
    for (const method of Railway.Method.options) {
      expect(outcome(`verifyToken(${method})`)).toMatchObject({ ok: true });
      expect(outcome(`verifyToken(${method}, unknown)`)).toMatchObject({ ok: false });
      const projects = outcome(`listProjects(${method})`) as Railway.Project[];
      expect(projects.find((p) => p.name === "big")?.services).toHaveLength(101);
      if (method !== "project-token") {
        expect(projects).toHaveLength(51);
        expect(projects.find((p) => p.name === "big")?.environments).toHaveLength(101);
      }
    }
    expect(outcome("verifyToken(account-token, nameless)")).toMatchObject({
      ok: true,
      identity: { account: { id: nameless.id, name: null } },
    });

    // The capture reached every kind of request the client makes, pagination follow-ups included.
    const fields = new Set(requests.flatMap((r) => r.fields));
    expect([...fields].sort()).toEqual([
      "apiToken",
      "deploymentRedeploy",
      "deployments",
      "me",
      "project",
      "projectToken",
      "projects",
      "variableCollectionUpsert",
      "variableDelete",
      "variables",
    ]);
    for (const method of Railway.Method.options) expect(outcome(`latest(${method})`)).toEqual(expect.any(String));
    const followUps = requests.filter((r) => (r.variables as { after?: unknown } | undefined)?.after != null);
    expect(new Set(followUps.flatMap((r) => r.fields))).toEqual(new Set(["project", "projects"]));
    expect(followUps.map((r) => r.query).filter((q) => /environments\(/.test(q) && !/projects\(/.test(q))).not.toEqual(
      [],
    );
    expect(followUps.map((r) => r.query).filter((q) => /services\(/.test(q) && !/projects\(/.test(q))).not.toEqual([]);
  });

  it("include a shared sync's listing of the environment's services, valid and followed page by page", async () => {
    railway.reset();
    const { tokens, scope } = buildWorld();
    for (const method of Railway.Method.options) {
      const services = await Variables.servicesIn(method, tokens[method], scope);
      expect(services).toHaveLength(101);
      expect(services[0]).toEqual({ id: expect.any(String), name: "service-1" });
    }
    const documents = [...new Set(railway.requests.map((r) => r.query))];
    const problems = documents.flatMap((query) =>
      validate(railwaySchema, parse(query)).map((error) => `${query}\n  → ${error.message}`),
    );
    expect(problems).toEqual([]);
    expect(railway.requests.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(new Set(railway.requests.flatMap((r) => r.fields))).toEqual(new Set(["environment"]));
    // 101 services: two pages for each kind of token.
    expect(railway.requests).toHaveLength(2 * Railway.Method.options.length);
  });
});
