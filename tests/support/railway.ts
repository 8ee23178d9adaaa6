import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { settled, type useStack } from "./stack.ts";

type Ctx = ReturnType<typeof useStack>;

/**
 * A team-token connection made through the API, in `projectId` (`null`: org-wide), waited for
 * until Railway verified it. Its id.
 */
export async function connect(ctx: Ctx, workspaceToken: string, projectId: string | null, name?: string) {
  const res = await ctx.api("/api/v1/app-connections/railway", {
    json: {
      name: name ?? `c-${randomUUID().slice(0, 8)}`,
      method: "team-token",
      ...(projectId ? { projectId } : {}),
      credentials: { apiToken: workspaceToken },
    },
  });
  const { appConnection } = (await res.json()) as { appConnection: { id: string } };
  expect((await settled(ctx, appConnection.id)).status).toBe("active");
  return appConnection.id;
}

/**
 * A Railway workspace with one project (a `production` environment and the services named,
 * deployed unless `undeployed`), and a verified workspace connection to it in a new project of
 * ours. `scope(name)` is a service's Railway destination.
 */
export async function connectedProject(
  ctx: Ctx,
  opts: { services?: string[]; undeployed?: string[]; name?: string; connectionName?: string } = {},
) {
  const user = ctx.railway.addUser({ name: "Ada" });
  const team = ctx.railway.addWorkspace(user.id, { name: "Team" });
  const app = ctx.railway.addProject(team.id, {
    ...(opts.name ? { name: opts.name } : {}),
    environments: ["production"],
    services: opts.services ?? ["api"],
    ...(opts.undeployed ? { undeployed: opts.undeployed } : {}),
  });
  const env = app.environments[0]!;
  const scope = (service: string) => {
    const found = app.services.find((s) => s.name === service);
    if (!found) throw new Error(`no service ${service} in the stand-in's project`);
    return { projectId: app.id, environmentId: env.id, serviceId: found.id };
  };
  const projectId = randomUUID();
  const connectionId = await connect(ctx, team.workspaceToken, projectId, opts.connectionName);
  return { team, app, env, projectId, connectionId, scope };
}

type Sync = Record<string, any>;

/**
 * A sync of the project's `prod` `/app` folder into `destinationConfig`, made through the API
 * (answered 200), overwriting the destination on its first run unless `fields` say otherwise.
 */
export async function createSync(
  ctx: Ctx,
  s: { projectId: string; connectionId: string },
  destinationConfig: object,
  fields: Record<string, unknown> = {},
) {
  const res = await ctx.api("/api/v1/secret-syncs/railway", {
    json: {
      name: `sync-${randomUUID().slice(0, 8)}`,
      projectId: s.projectId,
      connectionId: s.connectionId,
      environment: "prod",
      secretPath: "/app",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig,
      ...fields,
    },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { secretSync: Sync }).secretSync;
}

/** A sync as the API answers it. */
export const getSync = async (ctx: Ctx, id: string) =>
  ((await (await ctx.api(`/api/v1/secret-syncs/railway/${id}`)).json()) as { secretSync: Sync }).secretSync;
