/**
 * An org's projects as the console shows them: every project that has connections, syncs or
 * secrets, with the environments that have secrets. Read-only; each list is a Query on the org's
 * partition (keys only), never a scan.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type Actor, assertReaches } from "../apikey/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import * as Secret from "../secret/index.ts";
import { partition } from "../secret/item.ts";
import { byStage, grid } from "./grid.ts";
import { environmentPrefix } from "./item.ts";

export { byStage, type Cell, grid, type Row } from "./grid.ts";

export type Environment = { slug: string; secrets: number };
export type Summary = { projectId: string; environments: Environment[] };

/** The suffixes of the sort keys under `prefix` in the org's partition. */
async function suffixes(orgId: string, prefix: string) {
  const items = await Dynamo.queryAll<{ sk: string }>({
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": `ORG#${orgId}`, ":prefix": prefix },
    ProjectionExpression: "sk",
  });
  return items.map((i) => i.sk.slice(prefix.length));
}

/** How many secrets an environment holds now (current versions only), counted by DynamoDB. */
async function count(orgId: string, projectId: string, environment: string) {
  let n = 0;
  let after: Record<string, unknown> | undefined;
  do {
    const out = await Dynamo.client.send(
      new QueryCommand({
        TableName: Dynamo.table(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": partition({ orgId, projectId, environment }), ":prefix": "S#" },
        Select: "COUNT",
        ExclusiveStartKey: after,
      }),
    );
    n += out.Count ?? 0;
    after = out.LastEvaluatedKey;
  } while (after);
  return n;
}

/** Runs at most `n` of the calls it is given at once: an org with hundreds of environments counts in waves. */
function gate(n: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>) => {
    if (running < n) running++;
    else await new Promise<void>((go) => waiting.push(go));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

const withCounts = (orgId: string, projectId: string, slugs: string[], through = gate(8)) =>
  Promise.all(
    slugs.sort(byStage).map(async (slug) => ({ slug, secrets: await through(() => count(orgId, projectId, slug)) })),
  );

/**
 * The projects the key reaches: those of its org's connections (org-wide ones carry none),
 * syncs and environments with secrets, and every project a limited key is limited to.
 */
export async function list(actor: Actor): Promise<Summary[]> {
  const [connections, syncs, environments] = await Promise.all([
    suffixes(actor.orgId, "NAME#"),
    suffixes(actor.orgId, "SECRET_SYNC_NAME#"),
    suffixes(actor.orgId, environmentPrefix()),
  ]);
  const envs = new Map<string, string[]>();
  for (const id of actor.projectIds ?? []) envs.set(id, []);
  // NAME#<app>#<project or ->#<name>, SECRET_SYNC_NAME#<project>#<name>, SECRET_ENV#<project>#<env>
  for (const sk of connections) {
    const id = sk.split("#")[1];
    if (id && id !== "-") envs.set(id, envs.get(id) ?? []);
  }
  for (const sk of syncs) {
    const id = sk.split("#")[0];
    if (id) envs.set(id, envs.get(id) ?? []);
  }
  for (const sk of environments) {
    const [id, env] = sk.split("#");
    if (id && env) envs.set(id, [...(envs.get(id) ?? []), env]);
  }
  const reached = [...envs].filter(([id]) => !actor.projectIds || actor.projectIds.includes(id));
  const through = gate(8);
  return Promise.all(
    reached
      .sort(([a], [b]) => a.localeCompare(b))
      .map(async ([projectId, slugs]) => ({
        projectId,
        environments: await withCounts(actor.orgId, projectId, slugs, through),
      })),
  );
}

/** A project's environments that have secrets, with their counts; refused outside the key's projects. */
export async function environments(actor: Actor, projectId: string): Promise<Environment[]> {
  assertReaches(actor, projectId);
  return withCounts(actor.orgId, projectId, await suffixes(actor.orgId, environmentPrefix(projectId)));
}

/** The grid of a folder (its own keys, not its sub-folders') across `environments`, in that order. */
export async function compare(actor: Actor, projectId: string, path: string, environments: string[]) {
  const values = await Promise.all(
    environments.map(async (environment) => {
      const scope = { orgId: actor.orgId, projectId, environment, path };
      const secrets = await Secret.list(actor, scope, { expand: false, view: true, recursive: false });
      return new Map(secrets.map((s) => [s.secretKey, s.secretValue]));
    }),
  );
  return grid(values);
}
