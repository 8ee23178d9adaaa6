import type { World } from "./world.ts";

const id = (n: number) => `ada00000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** The fixed world `seedDemo: true` builds, so the offline run and its docs can name things. */
export const Demo = {
  tokens: {
    account: "demo-account-token",
    workspace: "demo-workspace-token",
    project: "demo-project-token",
  },
  user: { id: id(1), name: "Ada Lovelace", email: "ada@example.com" },
  workspaces: {
    personal: { id: id(101), name: "Ada Lovelace's Projects" },
    team: { id: id(102), name: "Analytical Engines" },
  },
  projects: {
    differenceEngine: {
      id: id(201),
      name: "difference-engine",
      environments: { production: { id: id(301), name: "production" }, staging: { id: id(302), name: "staging" } },
      services: { api: { id: id(401), name: "api" }, worker: { id: id(402), name: "worker" } },
    },
    analyticalEngine: {
      id: id(202),
      name: "analytical-engine",
      environments: { production: { id: id(303), name: "production" }, staging: { id: id(304), name: "staging" } },
      services: { web: { id: id(403), name: "web" } },
    },
    notes: {
      id: id(203),
      name: "notes",
      environments: { production: { id: id(305), name: "production" }, staging: { id: id(306), name: "staging" } },
      services: { web: { id: id(404), name: "web" } },
    },
  },
  /** Every service has a successful deployment in each environment, except difference-engine's `worker`. */
  undeployed: [id(402)] as readonly string[],
  /** difference-engine's `api` in production: its latest successful deployment, then a newer crashed one. */
  deployments: { apiProduction: id(501), apiProductionCrashed: id(502) },
} as const;

export function seedDemo(world: World): void {
  const { user, workspaces, projects, tokens } = Demo;
  world.addUser({ ...user });
  world.addWorkspace({ ...workspaces.personal, memberIds: [user.id] });
  world.addWorkspace({ ...workspaces.team, memberIds: [user.id] });
  const add = (workspaceId: string, project: (typeof projects)[keyof typeof projects]) =>
    world.addProject({
      id: project.id,
      name: project.name,
      workspaceId,
      environments: Object.values(project.environments).map((e) => ({ ...e })),
      services: Object.values(project.services).map((s) => ({ ...s })),
    });
  add(workspaces.team.id, projects.differenceEngine);
  add(workspaces.team.id, projects.analyticalEngine);
  add(workspaces.personal.id, projects.notes);

  const engine = projects.differenceEngine;
  const production = { projectId: engine.id, environmentId: engine.environments.production.id };
  const apiInProduction = { ...production, serviceId: engine.services.api.id };
  world.addDeployment(apiInProduction, "SUCCESS", Demo.deployments.apiProduction);
  world.addDeployment(apiInProduction, "CRASHED", Demo.deployments.apiProductionCrashed);
  for (const project of Object.values(projects)) {
    for (const service of Object.values(project.services)) {
      if (Demo.undeployed.includes(service.id)) continue;
      for (const environment of Object.values(project.environments)) {
        const at = { projectId: project.id, environmentId: environment.id, serviceId: service.id };
        if (world.deploymentsOf(at).length === 0) world.addDeployment(at);
      }
    }
  }
  world.writeVariables(
    production,
    { LOG_LEVEL: "info", APP_URL: "https://difference-engine.example.com" },
    { skipDeploys: true },
  );
  world.writeVariables(
    { ...production, serviceId: engine.services.api.id },
    {
      DATABASE_URL: "postgres://ada@localhost:5432/engine",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
      PUBLIC_URL: "${{shared.APP_URL}}/api",
      RAILWAY_PUBLIC_DOMAIN: "api-production.up.railway.app",
    },
    { skipDeploys: true },
  );
  world.writeVariables(
    { ...production, serviceId: engine.services.worker.id },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Railway's reference syntax
    { QUEUE: "jobs", API_URL: "${{api.PUBLIC_URL}}" },
    { skipDeploys: true },
  );

  world.addToken(tokens.account, { kind: "account", userId: user.id });
  world.addToken(tokens.workspace, { kind: "workspace", workspaceId: workspaces.team.id });
  world.addToken(tokens.project, { kind: "project", ...production });
}
