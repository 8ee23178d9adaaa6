// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, as Railway stores it
// The Railway calls a secret sync makes, against the stand-in playing Railway.
import { Rejected, Unreachable } from "@app/core/railway";
import * as Variables from "@app/core/railway/variables";
import { RailwayStandin } from "@app/railway-standin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

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

function world() {
  railway.reset();
  const ada = railway.addUser({ name: "Ada" });
  const team = railway.addWorkspace(ada.id, { name: "Team" });
  const app = railway.addProject(team.id, {
    environments: ["production", "staging"],
    services: ["api", "worker"],
    undeployed: ["worker"],
  });
  const env = app.environments[0]!;
  const api = app.services.find((s) => s.name === "api")!;
  const worker = app.services.find((s) => s.name === "worker")!;
  const shared = { projectId: app.id, environmentId: env.id };
  return { token: team.workspaceToken, app, env, api, worker, shared, service: { ...shared, serviceId: api.id } };
}
let w: ReturnType<typeof world>;
beforeEach(() => {
  w = world();
});

describe("reading variables", () => {
  it("reads a service's variables unrendered: references stay as written", async () => {
    railway.setVariables(w.shared, { APP_URL: "https://a.example" });
    railway.setVariables(w.service, { URL: "${{shared.APP_URL}}/api", PLAIN: "p" });
    expect(await Variables.read("team-token", w.token, w.service)).toEqual({
      URL: "${{shared.APP_URL}}/api",
      PLAIN: "p",
    });
    expect(await Variables.read("team-token", w.token, w.shared)).toEqual({ APP_URL: "https://a.example" });
  });
});

describe("sealed variables and the environment's services", () => {
  it("reads a sealed variable as null, as Railway answers it", async () => {
    railway.setVariables(w.service, { SEALED: "by-hand", PLAIN: "p" });
    railway.sealVariables(w.service, ["SEALED"]);
    expect(await Variables.read("team-token", w.token, w.service)).toEqual({ SEALED: null, PLAIN: "p" });
  });

  it("lists the services of the environment by id and name", async () => {
    expect(await Variables.servicesIn("team-token", w.token, w.shared)).toEqual([
      { id: w.api.id, name: "api" },
      { id: w.worker.id, name: "worker" },
    ]);
  });
});

describe("writing variables", () => {
  it("upserts a collection in one request without replacing and without deploying", async () => {
    railway.setVariables(w.service, { HAND: "h", RAILWAY_X: "r" });
    await Variables.upsert("team-token", w.token, w.service, { A: "1", B: "2" });
    expect(railway.getVariables(w.service)).toEqual({ HAND: "h", RAILWAY_X: "r", A: "1", B: "2" });
    expect(railway.count("variableCollectionUpsert")).toBe(1);
    expect(railway.deployments).toEqual([]);
  });

  it("deletes one name (Railway redeploys for it)", async () => {
    railway.setVariables(w.service, { A: "1", HAND: "h" });
    await Variables.remove("team-token", w.token, w.service, "A");
    expect(railway.getVariables(w.service)).toEqual({ HAND: "h" });
    expect(railway.count("variableDelete")).toBe(1);
  });

  it("is refused for a RAILWAY_ name, as Railway refuses it", async () => {
    await expect(Variables.upsert("team-token", w.token, w.service, { RAILWAY_X: "1" })).rejects.toBeInstanceOf(
      Unreachable,
    );
    expect(railway.getVariables(w.service)).toEqual({});
  });
});

describe("redeploying", () => {
  it("finds the latest successful deployment and redeploys it once", async () => {
    railway.addDeployment(w.service, { status: "CRASHED" });
    const latest = await Variables.latestSuccessfulDeployment("team-token", w.token, w.service);
    const successful = railway.listDeployments(w.service).find((d) => d.status === "SUCCESS");
    expect(latest).toBe(successful?.id);
    expect(await Variables.redeploy("team-token", w.token, latest!)).toEqual(expect.any(String));
    expect(railway.deployments).toEqual([w.service]);
  });

  it("finds nothing for a service that was never deployed", async () => {
    expect(
      await Variables.latestSuccessfulDeployment("team-token", w.token, { ...w.shared, serviceId: w.worker.id }),
    ).toBeUndefined();
  });
});

describe("a token Railway refuses", () => {
  it("is Rejected, revoked or out of scope", async () => {
    railway.revokeToken(w.token);
    await expect(Variables.read("team-token", w.token, w.service)).rejects.toBeInstanceOf(Rejected);
  });

  it("out of reach: says which id, for every kind of token", async () => {
    const { token, shared, service, app } = w;
    const outside = railway.addWorkspace(railway.addUser().id);
    const elsewhere = railway.addProject(outside.id, { environments: ["production"], services: ["api"] });
    expect(
      await Variables.outOfReach("team-token", token, {
        projectId: elsewhere.id,
        environmentId: elsewhere.environments[0]!.id,
      }),
    ).toContain(`project ${elsewhere.id}`);
    expect(await Variables.outOfReach("team-token", token, { ...shared, environmentId: "nope-env" })).toContain(
      "no environment nope-env",
    );
    expect(await Variables.outOfReach("team-token", token, { ...service, serviceId: "nope-svc" })).toContain(
      "no service nope-svc",
    );

    const projectToken = railway.createProjectToken(app.id, app.environments[0]!.id);
    expect(
      await Variables.outOfReach("project-token", projectToken, { ...shared, environmentId: app.environments[1]!.id }),
    ).toContain(`another environment than ${app.environments[1]!.id}`);
    expect(
      await Variables.outOfReach("project-token", projectToken, {
        projectId: elsewhere.id,
        environmentId: elsewhere.environments[0]!.id,
      }),
    ).toContain(`project ${elsewhere.id}`);
    await expect(
      Variables.read("project-token", projectToken, { ...shared, environmentId: app.environments[1]!.id }),
    ).rejects.toBeInstanceOf(Rejected);
  });
});
