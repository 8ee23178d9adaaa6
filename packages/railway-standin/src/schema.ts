import { buildSchema } from "graphql";
import { z } from "zod";
import { type Caller, canReadProject, canUseScope, reachableWorkspaceIds } from "./access.ts";
import type { Named, Project, User, VariableScope, World } from "./world.ts";

// A subset of Railway's schema, with Railway's type names (its Relay connections are Pothos-generated).
export const schema = buildSchema(/* GraphQL */ `
  scalar EnvironmentVariables

  type Query {
    me: User!
    apiToken: ApiToken
    projectToken: ProjectToken!
    projects(workspaceId: String, first: Int, after: String): QueryProjectsConnection!
    project(id: String!): Project!
    variables(projectId: String!, environmentId: String!, serviceId: String, unrendered: Boolean): EnvironmentVariables!
  }

  type Mutation {
    variableUpsert(input: VariableUpsertInput!): Boolean!
    variableCollectionUpsert(input: VariableCollectionUpsertInput!): Boolean!
    variableDelete(input: VariableDeleteInput!): Boolean!
  }

  type User {
    id: ID!
    name: String
    email: String!
    workspaces: [Workspace!]!
  }

  type Workspace {
    id: ID!
    name: String!
  }

  type ApiToken {
    workspaces: [ApiTokenWorkspace!]!
  }

  type ApiTokenWorkspace {
    id: ID!
    name: String!
  }

  type ProjectToken {
    projectId: String!
    environmentId: String!
    project: Project!
    environment: Environment!
  }

  type Project {
    id: ID!
    name: String!
    environments(first: Int, after: String): ProjectEnvironmentsConnection!
    services(first: Int, after: String): ProjectServicesConnection!
  }

  type Environment {
    id: ID!
    name: String!
  }

  type Service {
    id: ID!
    name: String!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type QueryProjectsConnection {
    edges: [QueryProjectsConnectionEdge!]!
    pageInfo: PageInfo!
  }

  type QueryProjectsConnectionEdge {
    cursor: String!
    node: Project!
  }

  type ProjectEnvironmentsConnection {
    edges: [ProjectEnvironmentsConnectionEdge!]!
    pageInfo: PageInfo!
  }

  type ProjectEnvironmentsConnectionEdge {
    cursor: String!
    node: Environment!
  }

  type ProjectServicesConnection {
    edges: [ProjectServicesConnectionEdge!]!
    pageInfo: PageInfo!
  }

  type ProjectServicesConnectionEdge {
    cursor: String!
    node: Service!
  }

  input VariableUpsertInput {
    projectId: String!
    environmentId: String!
    serviceId: String
    name: String!
    value: String!
    skipDeploys: Boolean
  }

  input VariableCollectionUpsertInput {
    projectId: String!
    environmentId: String!
    serviceId: String
    variables: EnvironmentVariables!
    replace: Boolean = false
    skipDeploys: Boolean = false
  }

  input VariableDeleteInput {
    projectId: String!
    environmentId: String!
    serviceId: String
    name: String!
  }
`);

/** A credential failure. Railway reports these as an INTERNAL_SERVER_ERROR-coded GraphQL error. */
export class Rejected extends Error {
  readonly extensions = { code: "INTERNAL_SERVER_ERROR" };
}

const notAuthorized = () => new Rejected("Not Authorized");

// Pothos's Relay defaults; Railway does not document its own.
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

function connection<T extends { id: string }, V>(items: T[], args: PageArgs, view: (item: T) => V) {
  if (args.first != null && args.first < 0) throw new Error("first must be a non-negative integer");
  const cursorOf = (item: T) => Buffer.from(`cursor:${item.id}`).toString("base64url");
  let start = 0;
  if (args.after != null) {
    const index = items.findIndex((item) => cursorOf(item) === args.after);
    if (index === -1) throw new Error("Invalid cursor");
    start = index + 1;
  }
  const size = Math.min(args.first ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const page = items.slice(start, start + size);
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

/** The root resolvers for one request, bound to who is asking. */
export function rootValue(world: World, caller: Caller) {
  const named = ({ id, name }: Named) => ({ id, name });
  const userView = (user: User) => ({
    id: user.id,
    name: user.name,
    email: user.email,
    workspaces: () => world.workspacesOf(user.id).map(named),
  });
  const projectView = (project: Project) => ({
    id: project.id,
    name: project.name,
    environments: (args: PageArgs) => connection(project.environments, args, named),
    services: (args: PageArgs) => connection(project.services, args, named),
  });
  const requireScope = (input: ScopeInput): VariableScope => {
    const scope = { projectId: input.projectId, environmentId: input.environmentId, serviceId: input.serviceId };
    if (!canUseScope(world, caller, scope)) throw notAuthorized();
    return scope;
  };

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
      return { ...caller.project, project: projectView(project), environment: named(environment) };
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
    variables: (args: ScopeInput & { unrendered?: boolean | null }) =>
      world.readVariables(requireScope(args), { unrendered: args.unrendered ?? false }),
    variableUpsert: ({
      input,
    }: {
      input: ScopeInput & { name: string; value: string; skipDeploys?: boolean | null };
    }) => {
      world.writeVariables(
        requireScope(input),
        { [input.name]: input.value },
        { skipDeploys: input.skipDeploys ?? false },
      );
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
      world.writeVariables(scope, variables.data, {
        replace: input.replace ?? false,
        skipDeploys: input.skipDeploys ?? false,
      });
      return true;
    },
    variableDelete: ({ input }: { input: ScopeInput & { name: string } }) => {
      world.deleteVariable(requireScope(input), input.name);
      return true;
    },
  };
}
