import { readFileSync } from "node:fs";
import { buildSchema, type GraphQLFieldResolver } from "graphql";
import { z } from "zod";
import { type Caller, canReadProject, canUseScope, reachableWorkspaceIds } from "./access.ts";
import {
  type DeploymentStatus,
  isRailwayProvided,
  type Named,
  type Project,
  type RailwayDeployment,
  type User,
  type VariableScope,
  type World,
} from "./world.ts";

/** Railway's public schema, vendored unchanged (see schema/PROVENANCE.md). */
export const railwaySdl = readFileSync(new URL("../schema/railway.graphql", import.meta.url), "utf8");
export const schema = buildSchema(railwaySdl);

/** A credential failure. Railway reports these as an INTERNAL_SERVER_ERROR-coded GraphQL error. */
export class Rejected extends Error {
  readonly extensions = { code: "INTERNAL_SERVER_ERROR" };
}

const notAuthorized = () => new Rejected("Not Authorized");

/**
 * Resolves a field from the source object (a function is called with the field's arguments). A
 * field the stand-in does not serve is an error naming it, rather than a silent null.
 */
export const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
  const value = (source as Record<string, unknown> | null | undefined)?.[info.fieldName];
  if (value === undefined) {
    throw new Error(`The Railway stand-in does not serve ${info.parentType.name}.${info.fieldName}`);
  }
  return typeof value === "function" ? value.call(source, args, context, info) : value;
};

// Pothos's Relay defaults; Railway does not document its own.
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

function connection<T extends { id: string }, V>(items: T[], args: PageArgs, view: (item: T) => V) {
  for (const count of [args.first, args.last]) {
    if (count != null && count < 0) throw new Error("first and last must be non-negative integers");
  }
  const cursorOf = (item: T) => Buffer.from(`cursor:${item.id}`).toString("base64url");
  const indexOf = (cursor: string) => {
    const index = items.findIndex((item) => cursorOf(item) === cursor);
    if (index === -1) throw new Error("Invalid cursor");
    return index;
  };
  let start = args.after == null ? 0 : indexOf(args.after) + 1;
  let end = args.before == null ? items.length : indexOf(args.before);
  if (args.first != null || args.last == null) {
    end = Math.min(end, start + Math.min(args.first ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  }
  if (args.last != null) start = Math.max(start, end - Math.min(args.last, MAX_PAGE_SIZE));
  const page = items.slice(start, Math.max(start, end));
  const first = page[0];
  const last = page[page.length - 1];
  return {
    edges: page.map((item) => ({ cursor: cursorOf(item), node: view(item) })),
    pageInfo: {
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: first ? cursorOf(first) : null,
      endCursor: last ? cursorOf(last) : null,
    },
  };
}

const EnvironmentVariables = z.record(z.string(), z.string());

interface ScopeInput extends VariableScope {
  serviceId?: string | null;
}

interface DeploymentListInput {
  projectId?: string | null;
  environmentId?: string | null;
  serviceId?: string | null;
  includeDeleted?: boolean | null;
  status?: { in?: DeploymentStatus[] | null; notIn?: DeploymentStatus[] | null } | null;
}

function refuseRailwayProvided(names: string[]): void {
  const provided = names.find(isRailwayProvided);
  if (provided !== undefined) throw new Error(`${provided} is provided by Railway and cannot be changed`);
}

/** The root resolvers for one request, bound to who is asking. */
export function rootValue(world: World, caller: Caller) {
  const named = ({ id, name }: Named) => ({ id, name });
  const inProject = (project: Project) => (item: Named) => ({ ...named(item), projectId: project.id });
  const userView = (user: User) => ({
    id: user.id,
    name: user.name,
    email: user.email,
    workspaces: () => world.workspacesOf(user.id).map(named),
  });
  const projectView = (project: Project) => ({
    id: project.id,
    name: project.name,
    workspaceId: project.workspaceId,
    environments: (args: PageArgs) => connection(project.environments, args, inProject(project)),
    services: (args: PageArgs) => connection(project.services, args, inProject(project)),
  });
  const deploymentView = (deployment: RailwayDeployment) => {
    const resolved = world.resolveScope(deployment);
    return {
      id: deployment.id,
      status: deployment.status,
      createdAt: deployment.createdAt.toISOString(),
      updatedAt: deployment.createdAt.toISOString(),
      statusUpdatedAt: deployment.createdAt.toISOString(),
      projectId: deployment.projectId,
      environmentId: deployment.environmentId,
      serviceId: deployment.serviceId,
      canRedeploy: true,
      canRollback: deployment.status === "SUCCESS",
      deploymentStopped: deployment.status !== "SUCCESS",
      environment: resolved && inProject(resolved.project)(resolved.environment),
      service: resolved?.service && inProject(resolved.project)(resolved.service),
      url: null,
      staticUrl: null,
    };
  };
  const requireScope = (input: ScopeInput): VariableScope => {
    const scope = { projectId: input.projectId, environmentId: input.environmentId, serviceId: input.serviceId };
    if (!canUseScope(world, caller, scope)) throw notAuthorized();
    return scope;
  };
  const canSeeDeployment = (d: RailwayDeployment) =>
    canUseScope(world, caller, { projectId: d.projectId, environmentId: d.environmentId });

  return {
    me: () => {
      if (caller.bearer?.kind !== "account") throw notAuthorized();
      return userView(world.user(caller.bearer.userId));
    },
    apiToken: () => {
      if (!caller.bearer) throw notAuthorized();
      return { workspaces: reachableWorkspaceIds(world, caller).map((id) => named(world.workspace(id))) };
    },
    projectToken: () => {
      if (!caller.project) {
        throw caller.sentProjectHeader ? new Rejected("project token not found") : notAuthorized();
      }
      const project = world.project(caller.project.projectId);
      const environment = project.environments.find((e) => e.id === caller.project?.environmentId);
      if (!environment) throw notAuthorized();
      return { ...caller.project, project: projectView(project), environment: inProject(project)(environment) };
    },
    projects: (args: PageArgs & { workspaceId?: string | null }) => {
      if (!caller.bearer) throw notAuthorized();
      const reachable = reachableWorkspaceIds(world, caller);
      if (args.workspaceId != null && !reachable.includes(args.workspaceId)) throw notAuthorized();
      const workspaceIds = args.workspaceId == null ? reachable : [args.workspaceId];
      return connection(world.projectsIn(workspaceIds), args, projectView);
    },
    project: ({ id }: { id: string }) => {
      const project = world.projects.get(id);
      if (!project || !canReadProject(world, caller, project)) throw notAuthorized();
      return projectView(project);
    },
    ...environmentRoots(world, caller),
    variables: (args: ScopeInput & { unrendered?: boolean | null }) =>
      world.readVariables(requireScope(args), { unrendered: args.unrendered ?? false }),
    variableUpsert: ({
      input,
    }: {
      input: ScopeInput & { name: string; value: string; skipDeploys: boolean | null };
    }) => {
      const scope = requireScope(input);
      refuseRailwayProvided([input.name]);
      world.writeVariables(scope, { [input.name]: input.value }, { skipDeploys: input.skipDeploys ?? false });
      return true;
    },
    variableCollectionUpsert: ({
      input,
    }: {
      input: ScopeInput & { variables: unknown; replace: boolean | null; skipDeploys: boolean | null };
    }) => {
      const scope = requireScope(input);
      const variables = EnvironmentVariables.safeParse(input.variables);
      if (!variables.success) throw new Error("variables must be an object of string values");
      refuseRailwayProvided(Object.keys(variables.data));
      world.writeVariables(scope, variables.data, {
        replace: input.replace ?? false,
        skipDeploys: input.skipDeploys ?? false,
      });
      return true;
    },
    // Railway's variableDelete has no skipDeploys: it always redeploys.
    variableDelete: ({ input }: { input: ScopeInput & { name: string } }) => {
      const scope = requireScope(input);
      refuseRailwayProvided([input.name]);
      world.deleteVariable(scope, input.name);
      return true;
    },
    // Newest first. A project token sees only its own environment: elsewhere in its project the
    // list is silently empty, as Railway's is.
    deployments: ({ input, ...page }: PageArgs & { input: DeploymentListInput }) => {
      if (input.projectId != null) {
        const project = world.projects.get(input.projectId);
        if (!project || !canReadProject(world, caller, project)) throw notAuthorized();
      }
      const matches = (d: RailwayDeployment) =>
        (input.projectId == null || d.projectId === input.projectId) &&
        (input.environmentId == null || d.environmentId === input.environmentId) &&
        (input.serviceId == null || d.serviceId === input.serviceId) &&
        (input.status?.in == null || input.status.in.includes(d.status)) &&
        (input.status?.notIn == null || !input.status.notIn.includes(d.status)) &&
        (d.status !== "REMOVED" || input.includeDeleted === true);
      const found = world.deploymentRecords.filter((d) => canSeeDeployment(d) && matches(d)).reverse();
      return connection(found, page, deploymentView);
    },
    deployment: ({ id }: { id: string }) => {
      const deployment = world.deploymentRecords.find((d) => d.id === id);
      if (!deployment || !canSeeDeployment(deployment)) throw notAuthorized();
      return deploymentView(deployment);
    },
    deploymentRedeploy: ({ id }: { id: string; usePreviousImageTag?: boolean | null }) => {
      const deployment = world.deploymentRecords.find((d) => d.id === id);
      if (!deployment || !canSeeDeployment(deployment)) throw notAuthorized();
      return deploymentView(world.redeploy(deployment));
    },
  };
}

/**
 * `environment(id)` with its service instances, which Railway scopes to the environment (a
 * project token reaches only its own). Every service of the stand-in's project has an instance
 * in each of its environments.
 */
function environmentRoots(world: World, caller: Caller) {
  return {
    environment: ({ id, projectId }: { id: string; projectId?: string | null }) => {
      const project = [...world.projects.values()].find(
        (p) => (projectId == null || p.id === projectId) && p.environments.some((e) => e.id === id),
      );
      const environment = project?.environments.find((e) => e.id === id);
      if (!project || !environment || !canUseScope(world, caller, { projectId: project.id, environmentId: id }))
        throw notAuthorized();
      const instances = project.services.map((service) => ({ id: `${id}:${service.id}`, service }));
      return {
        id,
        name: environment.name,
        projectId: project.id,
        serviceInstances: (args: PageArgs) =>
          connection(instances, args, ({ id: instanceId, service }) => ({
            id: instanceId,
            serviceId: service.id,
            serviceName: service.name,
            environmentId: id,
          })),
      };
    },
  };
}
