import { randomUUID } from "node:crypto";

export interface User {
  id: string;
  /** Railway's `User.name` is nullable. */
  name: string | null;
  email: string;
}

export interface Workspace {
  id: string;
  name: string;
  memberIds: string[];
}

export interface Named {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  name: string;
  workspaceId: string;
  environments: Named[];
  services: Named[];
}

export type Credential =
  | { kind: "account"; userId: string }
  | { kind: "workspace"; workspaceId: string }
  | { kind: "project"; projectId: string; environmentId: string };

/** Where variables live: an environment's shared variables, or one service's in that environment. */
export interface VariableScope {
  projectId: string;
  environmentId: string;
  serviceId?: string | null;
}

/** Where a deploy happened: one service in one environment. */
export interface Deployment {
  projectId: string;
  environmentId: string;
  serviceId: string;
}

/** Railway's `DeploymentStatus`. */
export type DeploymentStatus =
  | "BUILDING"
  | "CRASHED"
  | "DEPLOYING"
  | "FAILED"
  | "INITIALIZING"
  | "NEEDS_APPROVAL"
  | "QUEUED"
  | "REMOVED"
  | "REMOVING"
  | "SKIPPED"
  | "SLEEPING"
  | "SUCCESS"
  | "WAITING";

/** One of Railway's deployments of a service in an environment. */
export interface RailwayDeployment extends Deployment {
  id: string;
  status: DeploymentStatus;
  createdAt: Date;
}

/**
 * Which services a change to shared variables without `skipDeploys` redeploys (Railway does not
 * document it): every deployed service of the environment, or only those whose variables read a
 * changed name through `${{shared.NAME}}` (the ones the dashboard asks to deploy).
 */
export type SharedDeploys = "every-service" | "readers";

/** Railway refuses changes to the variables it provides itself. */
export const isRailwayProvided = (name: string) => name.startsWith("RAILWAY_");

/** The stand-in's in-memory Railway: accounts, workspaces, projects, tokens and variables. */
export class World {
  readonly users = new Map<string, User>();
  readonly workspaces = new Map<string, Workspace>();
  readonly projects = new Map<string, Project>();
  readonly tokens = new Map<string, Credential>();
  /** Deploys that requests started: variable changes without `skipDeploys`, and `deploymentRedeploy`. */
  readonly deployments: Deployment[] = [];
  /** Every Railway deployment, oldest first. */
  readonly deploymentRecords: RailwayDeployment[] = [];
  private readonly variables = new Map<string, Map<string, string>>();
  /** Per scope (the `variables` map's key), the names a person sealed. */
  private readonly sealed = new Map<string, Set<string>>();
  sharedDeploys: SharedDeploys = "every-service";
  private lastCreatedAt = 0;

  addUser(user: User): User {
    this.users.set(user.id, user);
    return user;
  }

  addWorkspace(workspace: Workspace): Workspace {
    for (const id of workspace.memberIds) this.user(id);
    this.workspaces.set(workspace.id, workspace);
    return workspace;
  }

  addProject(project: Project): Project {
    this.workspace(project.workspaceId);
    this.projects.set(project.id, project);
    return project;
  }

  addToken(token: string, credential: Credential): string {
    if (credential.kind === "account") this.user(credential.userId);
    if (credential.kind === "workspace") this.workspace(credential.workspaceId);
    if (credential.kind === "project") {
      const project = this.project(credential.projectId);
      if (!project.environments.some((e) => e.id === credential.environmentId)) {
        throw new Error(`environment ${credential.environmentId} is not in project ${project.id}`);
      }
    }
    this.tokens.set(token, credential);
    return token;
  }

  user(id: string): User {
    const user = this.users.get(id);
    if (!user) throw new Error(`no user ${id}`);
    return user;
  }

  workspace(id: string): Workspace {
    const workspace = this.workspaces.get(id);
    if (!workspace) throw new Error(`no workspace ${id}`);
    return workspace;
  }

  project(id: string): Project {
    const project = this.projects.get(id);
    if (!project) throw new Error(`no project ${id}`);
    return project;
  }

  workspacesOf(userId: string): Workspace[] {
    return [...this.workspaces.values()].filter((w) => w.memberIds.includes(userId));
  }

  projectsIn(workspaceIds: string[]): Project[] {
    return [...this.projects.values()].filter((p) => workspaceIds.includes(p.workspaceId));
  }

  /** The project, environment and service a scope names, or undefined when any of them does not exist. */
  resolveScope(scope: VariableScope): { project: Project; environment: Named; service?: Named } | undefined {
    const project = this.projects.get(scope.projectId);
    const environment = project?.environments.find((e) => e.id === scope.environmentId);
    if (!project || !environment) return undefined;
    if (scope.serviceId == null) return { project, environment };
    const service = project.services.find((s) => s.id === scope.serviceId);
    return service ? { project, environment, service } : undefined;
  }

  /** As Railway answers them: a sealed variable's value is `null`. */
  readVariables(scope: VariableScope, options: { unrendered?: boolean } = {}): Record<string, string | null> {
    const read: Record<string, string | null> = this.storedVariables(scope, options);
    for (const name of this.sealed.get(scopeKey(scope)) ?? []) if (Object.hasOwn(read, name)) read[name] = null;
    return read;
  }

  /** As stored, sealed values included (no request can read those). */
  storedVariables(scope: VariableScope, options: { unrendered?: boolean } = {}): Record<string, string> {
    const stored = Object.fromEntries(this.store(scope));
    if (options.unrendered) return stored;
    return Object.fromEntries(Object.entries(stored).map(([name, value]) => [name, this.render(value, scope, 0)]));
  }

  /** Seals existing variables, as a person does in Railway's dashboard (the API has no mutation for it). */
  seal(scope: VariableScope, names: string[]): void {
    const store = this.store(scope);
    const missing = names.find((name) => !store.has(name));
    if (missing !== undefined) throw new Error(`no variable ${missing} to seal`);
    for (const name of names) this.sealedIn(scope).add(name);
  }

  /**
   * The names sealed in a scope. What Railway does to a sealed variable that is written or
   * deleted is not documented; here the write replaces it with a plain one, so a test sees it.
   */
  sealedIn(scope: VariableScope): Set<string> {
    const key = scopeKey(scope);
    let sealed = this.sealed.get(key);
    if (!sealed) {
      sealed = new Set();
      this.sealed.set(key, sealed);
    }
    return sealed;
  }

  writeVariables(
    scope: VariableScope,
    variables: Record<string, string>,
    options: { replace?: boolean; skipDeploys?: boolean } = {},
  ): void {
    const store = this.store(scope);
    const changed = [...(options.replace ? store.keys() : []), ...Object.keys(variables)];
    if (options.replace) store.clear();
    for (const [name, value] of Object.entries(variables)) store.set(name, value);
    this.unseal(scope, changed);
    this.deploy(scope, options.skipDeploys, changed);
  }

  deleteVariable(scope: VariableScope, name: string): void {
    this.store(scope).delete(name);
    this.unseal(scope, [name]);
    this.deploy(scope, false, [name]);
  }

  /** A deployment as seeding makes it: no deploy is logged. */
  addDeployment(at: Deployment, status: DeploymentStatus = "SUCCESS", id: string = randomUUID()): RailwayDeployment {
    const resolved = this.resolveScope(at);
    if (!resolved?.service) throw new Error("no such project, environment or service");
    // Strictly increasing, so "newest first" is well defined even within one millisecond.
    this.lastCreatedAt = Math.max(Date.now(), this.lastCreatedAt + 1);
    const { projectId, environmentId, serviceId } = at;
    const record = { id, projectId, environmentId, serviceId, status, createdAt: new Date(this.lastCreatedAt) };
    this.deploymentRecords.push(record);
    return record;
  }

  /** Deployments of one service in one environment, newest first. */
  deploymentsOf(at: Deployment): RailwayDeployment[] {
    return this.deploymentRecords
      .filter(
        (d) => d.projectId === at.projectId && d.environmentId === at.environmentId && d.serviceId === at.serviceId,
      )
      .reverse();
  }

  /** A new deployment of what `deployment` deployed. */
  redeploy(deployment: RailwayDeployment): RailwayDeployment {
    const { projectId, environmentId, serviceId } = deployment;
    this.deployments.push({ projectId, environmentId, serviceId });
    return this.addDeployment({ projectId, environmentId, serviceId });
  }

  private unseal(scope: VariableScope, names: string[]): void {
    const sealed = this.sealed.get(scopeKey(scope));
    for (const name of names) sealed?.delete(name);
  }

  /** The environment's services whose stored variables read one of `names` as `${{shared.NAME}}`. */
  sharedReaders(projectId: string, environmentId: string, names: string[]): string[] {
    const wanted = new Set(names);
    return this.project(projectId)
      .services.filter((service) =>
        [...this.store({ projectId, environmentId, serviceId: service.id }).values()].some((value) =>
          [...value.matchAll(/\$\{\{\s*shared\.([^\s}]+)\s*\}\}/g)].some((m) => wanted.has(m[1] ?? "")),
        ),
      )
      .map((service) => service.id);
  }

  private store(scope: VariableScope): Map<string, string> {
    const key = scopeKey(scope);
    let store = this.variables.get(key);
    if (!store) {
      store = new Map();
      this.variables.set(key, store);
    }
    return store;
  }

  // Railway's reference syntax: ${{shared.NAME}}, ${{ServiceName.NAME}}, or ${{NAME}} for the same
  // scope. An unresolvable reference renders as an empty string.
  private render(value: string, scope: VariableScope, depth: number): string {
    if (depth > 10) return value;
    return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, reference: string) => {
      const dot = reference.indexOf(".");
      const owner = dot === -1 ? undefined : reference.slice(0, dot);
      const name = dot === -1 ? reference : reference.slice(dot + 1);
      const target = this.referenceScope(scope, owner);
      const raw = target ? this.store(target).get(name) : undefined;
      return raw === undefined || !target ? "" : this.render(raw, target, depth + 1);
    });
  }

  private referenceScope(scope: VariableScope, owner: string | undefined): VariableScope | undefined {
    if (owner === undefined) return scope;
    if (owner === "shared") return { projectId: scope.projectId, environmentId: scope.environmentId };
    const service = this.projects.get(scope.projectId)?.services.find((s) => s.name === owner);
    return service && { projectId: scope.projectId, environmentId: scope.environmentId, serviceId: service.id };
  }

  // Railway redeploys the affected services after a variable change unless told not to: the one
  // service for service variables, for shared ones those `sharedDeploys` says (every service of
  // the environment by default). A service that was never deployed has nothing to redeploy.
  private deploy(scope: VariableScope, skipDeploys: boolean | undefined, changed: string[]): void {
    if (skipDeploys) return;
    const project = this.project(scope.projectId);
    const serviceIds =
      scope.serviceId != null
        ? [scope.serviceId]
        : this.sharedDeploys === "readers"
          ? this.sharedReaders(scope.projectId, scope.environmentId, changed)
          : project.services.map((s) => s.id);
    for (const serviceId of serviceIds) {
      const latest = this.deploymentsOf({
        projectId: scope.projectId,
        environmentId: scope.environmentId,
        serviceId,
      })[0];
      if (latest) this.redeploy(latest);
    }
  }
}

const scopeKey = (scope: VariableScope) => `${scope.projectId}/${scope.environmentId}/${scope.serviceId ?? "shared"}`;
