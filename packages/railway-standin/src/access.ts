import type { Project, VariableScope, World } from "./world.ts";

/** Who is asking, from the request's headers. Tokens are looked up on every request, so revoking takes effect at once. */
export interface Caller {
  /** From `Authorization: Bearer <token>`; only account and workspace tokens count there. */
  bearer?: { kind: "account"; userId: string } | { kind: "workspace"; workspaceId: string };
  /** From `Project-Access-Token: <token>`; only project tokens count there. */
  project?: { projectId: string; environmentId: string };
  /** A `Project-Access-Token` header was sent, whether or not it named a live project token. */
  sentProjectHeader: boolean;
}

export function callerFrom(
  world: World,
  headers: { authorization?: string | undefined; projectAccessToken?: string | undefined },
): Caller {
  const caller: Caller = { sentProjectHeader: headers.projectAccessToken !== undefined };
  // `Authorization: <token>` without the Bearer scheme is no credential at all.
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "")?.[1];
  const fromBearer = bearer === undefined ? undefined : world.tokens.get(bearer);
  if (fromBearer && fromBearer.kind !== "project") caller.bearer = fromBearer;
  const fromHeader = world.tokens.get(headers.projectAccessToken?.trim() ?? "");
  if (fromHeader?.kind === "project") {
    caller.project = { projectId: fromHeader.projectId, environmentId: fromHeader.environmentId };
  }
  return caller;
}

/** Workspaces an account or workspace token reaches; a project token reaches none. */
export function reachableWorkspaceIds(world: World, caller: Caller): string[] {
  if (caller.bearer?.kind === "account") return world.workspacesOf(caller.bearer.userId).map((w) => w.id);
  if (caller.bearer?.kind === "workspace") return [caller.bearer.workspaceId];
  return [];
}

export function canReadProject(world: World, caller: Caller, project: Project): boolean {
  return reachableWorkspaceIds(world, caller).includes(project.workspaceId) || caller.project?.projectId === project.id;
}

export function canUseScope(world: World, caller: Caller, scope: VariableScope): boolean {
  const resolved = world.resolveScope(scope);
  if (!resolved) return false;
  if (reachableWorkspaceIds(world, caller).includes(resolved.project.workspaceId)) return true;
  return caller.project?.projectId === scope.projectId && caller.project.environmentId === scope.environmentId;
}
