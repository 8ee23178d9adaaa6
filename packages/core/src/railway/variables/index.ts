/**
 * Railway's variables and deployments, for secret syncs. A module of its own so that the API
 * Lambda's bundle does not carry it. Each call throws Rejected (Railway refused the token for
 * this request) or Unreachable (no answer: try again later).
 */
import { type Method, query, Rejected } from "../index.ts";

/** Where a sync writes: a service's variables, or the environment's shared ones without `serviceId`. */
export type Scope = { projectId: string; environmentId: string; serviceId?: string | undefined };

// biome-ignore lint/suspicious/noExplicitAny: Railway's answers are read defensively.
type Data = any;

async function ask(
  method: Method,
  token: string,
  document: string,
  variables: Record<string, unknown>,
  values: readonly string[] = [],
) {
  const answer = await query(method, token, document, variables, values);
  if (!answer.ok) throw new Rejected(answer.reason);
  return answer.data as Data;
}

const scope = (s: Scope) => ({
  projectId: s.projectId,
  environmentId: s.environmentId,
  ...(s.serviceId ? { serviceId: s.serviceId } : {}),
});

/**
 * The scope's variables as stored: `${{...}}` references stay references, and a sealed variable
 * is `null` (Railway never returns its value).
 */
export async function read(method: Method, token: string, s: Scope): Promise<Record<string, string | null>> {
  const d = await ask(
    method,
    token,
    "query SyncRead($projectId: String!, $environmentId: String!, $serviceId: String) { variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: true) }",
    scope(s),
  );
  const variables = d?.variables;
  if (!variables || typeof variables !== "object") return {};
  return Object.fromEntries(
    Object.entries(variables).filter((e): e is [string, string | null] => typeof e[1] === "string" || e[1] === null),
  );
}

/**
 * The services that have an instance in the scope's environment, by Railway's service id and
 * name, following pagination (one request per 100 services).
 */
export async function servicesIn(
  method: Method,
  token: string,
  s: Scope,
): Promise<Array<{ id: string; name: string }>> {
  const found: Array<{ id: string; name: string }> = [];
  let after: string | null = null;
  do {
    const d = await ask(
      method,
      token,
      "query SyncServices($environmentId: String!, $projectId: String, $after: String) { environment(id: $environmentId, projectId: $projectId) { serviceInstances(first: 100, after: $after) { edges { node { serviceId serviceName } } pageInfo { hasNextPage endCursor } } } }",
      { environmentId: s.environmentId, projectId: s.projectId, after },
    );
    const page = d?.environment?.serviceInstances;
    for (const edge of page?.edges ?? []) {
      const node = edge?.node;
      if (typeof node?.serviceId === "string")
        found.push({
          id: node.serviceId,
          name: typeof node.serviceName === "string" ? node.serviceName : node.serviceId,
        });
    }
    after = page?.pageInfo?.hasNextPage && typeof page.pageInfo.endCursor === "string" ? page.pageInfo.endCursor : null;
  } while (after);
  return found;
}

/** Every name in one mutation, without deleting anything else and without a deploy. */
export async function upsert(method: Method, token: string, s: Scope, variables: Record<string, string>) {
  await ask(
    method,
    token,
    "mutation SyncUpsert($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }",
    { input: { ...scope(s), variables, replace: false, skipDeploys: true } },
    Object.values(variables),
  );
}

/** One name. Railway's variableDelete has no skipDeploys: each one redeploys the affected services. */
export async function remove(method: Method, token: string, s: Scope, name: string) {
  await ask(method, token, "mutation SyncDelete($input: VariableDeleteInput!) { variableDelete(input: $input) }", {
    input: { ...scope(s), name },
  });
}

/** The service's newest deployment that ran successfully, or undefined when it has none. */
export async function latestSuccessfulDeployment(
  method: Method,
  token: string,
  s: Scope & { serviceId: string },
): Promise<string | undefined> {
  const d = await ask(
    method,
    token,
    "query SyncLatestDeployment($input: DeploymentListInput!) { deployments(first: 1, input: $input) { edges { node { id } } } }",
    { input: { ...scope(s), status: { in: ["SUCCESS", "SLEEPING"] } } },
  );
  const id = d?.deployments?.edges?.[0]?.node?.id;
  return typeof id === "string" ? id : undefined;
}

export async function redeploy(method: Method, token: string, deploymentId: string): Promise<string | undefined> {
  const d = await ask(method, token, "mutation SyncRedeploy($id: String!) { deploymentRedeploy(id: $id) { id } }", {
    id: deploymentId,
  });
  return d?.deploymentRedeploy?.id;
}

/**
 * Why Railway refused a request for this scope, once the token itself is known to be valid: the
 * first id of the destination that the token does not reach, in words.
 */
export async function outOfReach(method: Method, token: string, s: Scope): Promise<string> {
  if (method === "project-token") {
    const d = await ask(method, token, "query SyncTokenScope { projectToken { projectId environmentId } }", {});
    if (d.projectToken.projectId !== s.projectId)
      return `the project token does not reach Railway project ${s.projectId}`;
    if (d.projectToken.environmentId !== s.environmentId)
      return `the project token is for another environment than ${s.environmentId}; a project token reaches only its own`;
  } else {
    const found = await query(
      method,
      token,
      "query SyncProject($id: String!) { project(id: $id) { environments(first: 100) { edges { node { id } } } services(first: 100) { edges { node { id } } } } }",
      { id: s.projectId },
    );
    if (!found.ok) return `the token does not reach Railway project ${s.projectId}`;
    const project = (found.data as Data)?.project;
    const ids = (field: string): string[] => project?.[field]?.edges?.map((e: Data) => e.node.id) ?? [];
    if (!ids("environments").includes(s.environmentId))
      return `Railway project ${s.projectId} has no environment ${s.environmentId} that the token reaches`;
    if (s.serviceId && !ids("services").includes(s.serviceId))
      return `Railway project ${s.projectId} has no service ${s.serviceId} that the token reaches`;
  }
  return `Railway refused the destination (project ${s.projectId}, environment ${s.environmentId}${s.serviceId ? `, service ${s.serviceId}` : ""})`;
}
