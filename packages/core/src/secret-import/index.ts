/**
 * Secret imports, the prior art's: a folder (project, environment, path) reads another folder's
 * secrets of the same project as its own, after them (its own secret wins a name clash), and
 * that folder's imports too, up to `maxImportDepth`. A cycle is refused when written. Each
 * import is one item in its org's partition (a project has few), also in the dependency index
 * (gsi3) under its project, so that a change in an imported folder reaches the importers' syncs
 * (secret/fanout). Writes carry their audit entry and `secret-import.*` event; never a value.
 */
import { createHash, randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import * as ApiKey from "../apikey/index.ts";
import * as Audit from "../audit/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";
import { write as outboxEvent } from "../event/index.ts";
import { type Folder, folderId, importEntry, maxImportDepth } from "../secret/dependents.ts";
import * as Secret from "../secret/index.ts";
import type { Changed, EventType } from "./events.ts";
import { type Info, maxPerFolder } from "./schema.ts";

export * from "./schema.ts";

type Item = Omit<Changed, "environment" | "path"> & {
  pk: string;
  sk: string;
  type: "secret-import";
  orgId: string;
  environment: string;
  path: string;
  createdAt: string;
  updatedAt: string;
  gsi3pk: string;
  gsi3sk: string;
};

const prefix = "SECRET-IMPORT#";
const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `${prefix}${id}` });

/** The prior art answers folders by id; here a folder is its path, so its id is derived from it. */
export function folderUuid(orgId: string, projectId: string, f: Folder) {
  const h = createHash("sha256")
    .update(JSON.stringify([orgId, projectId, f.environment, f.path]))
    .digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const env = (slug: string) => ({ id: slug, name: slug, slug });

function info(i: Item): Info {
  return {
    id: i.id,
    version: i.version,
    projectId: i.projectId,
    environment: env(i.environment),
    path: i.path,
    folderId: folderUuid(i.orgId, i.projectId, i),
    importPath: i.importPath,
    importEnv: env(i.importEnvironment),
    position: i.position,
    isReplication: false,
    isReplicationSuccess: null,
    replicationStatus: null,
    lastReplicated: null,
    isReserved: false,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

const notFound = () => new VisibleError("not-found", "secret_import_not_found", "No secret import with this id");
const refused = (message: string) => new VisibleError("validation", "secret_import_refused", message);
const named = (f: Folder) => `"${f.path}" in "${f.environment}"`;
const imported = (i: Item): Folder => ({ environment: i.importEnvironment, path: i.importPath });

/** Every import of a project, read consistently (writes decide on them). */
async function all(orgId: string, projectId: string) {
  return Dynamo.queryAll<Item>({
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    FilterExpression: "projectId = :project",
    ExpressionAttributeValues: { ":pk": `ORG#${orgId}`, ":prefix": prefix, ":project": projectId },
    ConsistentRead: true,
  });
}

/** A folder's imports, in their order. */
const of = (items: Item[], f: Folder) =>
  items
    .filter((i) => i.environment === f.environment && i.path === f.path)
    .sort((a, b) => a.position - b.position || a.createdAt.localeCompare(b.createdAt));

/**
 * The folders `folder` reads through its imports, each once, in the order they lose a name
 * clash: its imports by position, then theirs, up to `maxImportDepth` away.
 */
export function importedBy(items: Item[], folder: Folder): Folder[] {
  const seen = new Set([folderId(folder)]);
  const out: Folder[] = [];
  let frontier = [folder];
  for (let depth = 0; depth < maxImportDepth && frontier.length; depth++) {
    const next: Folder[] = [];
    for (const f of frontier)
      for (const i of of(items, f)) {
        const g = imported(i);
        if (seen.has(folderId(g))) continue;
        seen.add(folderId(g));
        out.push(g);
        next.push(g);
      }
    frontier = next;
  }
  return out;
}

/** Refuses an import of `source` into `folder` that would import itself, twice, too many, or close a cycle. */
function assertAllowed(items: Item[], folder: Folder, source: Folder) {
  if (folderId(folder) === folderId(source)) throw refused(`The folder ${named(folder)} cannot import itself`);
  const held = of(items, folder);
  if (held.some((i) => folderId(imported(i)) === folderId(source)))
    throw refused(`The folder ${named(folder)} already imports ${named(source)}: the secret import already exists`);
  if (held.length >= maxPerFolder) throw refused(`A folder may hold at most ${maxPerFolder} secret imports`);
  const reached = new Set<string>();
  const walk = [source];
  while (walk.length) {
    const f = walk.pop() as Folder;
    if (folderId(f) === folderId(folder))
      throw refused(`Importing ${named(source)} into ${named(folder)} would make a cycle: it imports ${named(folder)}`);
    if (reached.has(folderId(f))) continue;
    reached.add(folderId(f));
    walk.push(...of(items, f).map(imported));
  }
}

type Writer = ApiKey.Actor;

function records(actor: Writer, type: EventType, i: Item): Dynamo.Write[] {
  const secretImport: Changed = {
    id: i.id,
    projectId: i.projectId,
    environment: i.environment,
    path: i.path,
    importEnvironment: i.importEnvironment,
    importPath: i.importPath,
    position: i.position,
    version: i.version,
  };
  return [
    Audit.put({
      orgId: i.orgId,
      action: type,
      actor: { type: "api-key", keyId: actor.keyId },
      projectId: i.projectId,
      details: {
        secretImportId: i.id,
        environment: i.environment,
        secretPath: i.path,
        importEnvironment: i.importEnvironment,
        importPath: i.importPath,
        position: i.position,
      },
    }),
    outboxEvent(i.orgId, type, { secretImport }),
  ];
}

const put = (i: Item, expected?: number): Dynamo.Write => ({
  Put: {
    TableName: Dynamo.table(),
    Item: i,
    ConditionExpression: expected === undefined ? "attribute_not_exists(sk)" : "version = :v",
    ...(expected !== undefined && { ExpressionAttributeValues: { ":v": expected } }),
  },
});

const stale = () =>
  new VisibleError(
    "conflict",
    "secret_import_changed",
    "The folder's imports changed while this request ran; send it again",
  );

async function commit(writes: Dynamo.Write[]) {
  try {
    await Dynamo.transact(writes);
  } catch (err) {
    if (Dynamo.failedOn(err, writes, writes[0])) throw stale();
    throw err;
  }
}

export async function create(actor: Writer, scope: Secret.Scope, source: Folder): Promise<Info> {
  ApiKey.assertReaches(actor, scope.projectId);
  const folder = { environment: scope.environment, path: scope.path };
  const items = await all(scope.orgId, scope.projectId);
  assertAllowed(items, folder, source);
  const id = randomUUID();
  const now = new Date().toISOString();
  const item: Item = {
    ...key(scope.orgId, id),
    type: "secret-import",
    id,
    orgId: scope.orgId,
    projectId: scope.projectId,
    ...folder,
    importEnvironment: source.environment,
    importPath: source.path,
    position: Math.max(0, ...of(items, folder).map((i) => i.position)) + 1,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...importEntry(scope.orgId, scope.projectId, folder, id),
  };
  await commit([put(item), ...records(actor, "secret-import.created", item)]);
  return info(item);
}

/** A folder's imports, in order. */
export async function list(actor: Writer, scope: Secret.Scope) {
  ApiKey.assertReaches(actor, scope.projectId);
  return of(await all(scope.orgId, scope.projectId), scope).map(info);
}

async function load(actor: Writer, id: string) {
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: Dynamo.table(), Key: key(actor.orgId, id), ConsistentRead: true }),
  );
  const item = out.Item as Item | undefined;
  if (!item || !ApiKey.reaches(actor, item.projectId)) throw notFound();
  return item;
}

export const get = async (actor: Writer, id: string) => info(await load(actor, id));

/**
 * Changes what an import of the folder `at` reads, or its place among the folder's imports (the
 * others move up or down).
 */
export async function update(
  actor: Writer,
  id: string,
  at: Secret.Scope,
  change: { environment?: string; path?: string; position?: number },
): Promise<Info> {
  const before = await load(actor, id);
  if (before.projectId !== at.projectId || folderId(before) !== folderId(at)) throw notFound();
  const items = await all(before.orgId, before.projectId);
  const source = {
    environment: change.environment ?? before.importEnvironment,
    path: change.path ?? before.importPath,
  };
  const others = items.filter((i) => i.id !== id);
  if (folderId(source) !== folderId(imported(before))) assertAllowed(others, before, source);
  const now = new Date().toISOString();
  const after: Item = {
    ...before,
    importEnvironment: source.environment,
    importPath: source.path,
    version: before.version + 1,
    updatedAt: now,
  };
  const moved: Item[] = [];
  if (change.position !== undefined) {
    const order = of(others, before);
    order.splice(Math.min(change.position, order.length + 1) - 1, 0, after);
    for (const [n, i] of order.entries())
      if (i === after) after.position = n + 1;
      else if (i.position !== n + 1) moved.push({ ...i, position: n + 1, version: i.version + 1, updatedAt: now });
  }
  await commit([
    put(after, before.version),
    ...moved.map((i) => put(i, i.version - 1)),
    ...records(actor, "secret-import.updated", after),
  ]);
  return info(after);
}

export async function remove(actor: Writer, id: string): Promise<Info> {
  const before = await load(actor, id);
  await commit([
    {
      Delete: {
        TableName: Dynamo.table(),
        Key: key(before.orgId, id),
        ConditionExpression: "version = :v",
        ExpressionAttributeValues: { ":v": before.version },
      },
    },
    ...records(actor, "secret-import.deleted", before),
  ]);
  return info(before);
}

/** The folders a folder imports (see importedBy), for a reader that already reaches the project. */
export async function folders(scope: Secret.Scope) {
  return importedBy(await all(scope.orgId, scope.projectId), scope);
}

/**
 * What the raw list answers with `include_imports=true`: each imported folder's secrets, read as
 * the request reads its own (expanded, or hidden), in the order they lose a name clash.
 */
export async function secrets(actor: Writer, scope: Secret.Scope, opts: Secret.ReadOptions) {
  ApiKey.assertReaches(actor, scope.projectId);
  return Promise.all(
    (await folders(scope)).map(async (f) => ({
      secretPath: f.path,
      environment: f.environment,
      folderId: folderUuid(scope.orgId, scope.projectId, f),
      secrets: await Secret.list(actor, { ...scope, ...f }, { ...opts, recursive: false }),
    })),
  );
}

/** A secret of the folder, or else of the first folder it imports that holds one of that name. */
export async function getSecret(actor: Writer, scope: Secret.Scope, key: string, opts: Secret.ReadOptions) {
  try {
    return await Secret.get(actor, scope, key, opts);
  } catch (err) {
    if (!(err instanceof VisibleError && err.kind === "not-found")) throw err;
    for (const f of await folders(scope)) {
      const found = await Secret.get(actor, { ...scope, ...f }, key, opts).catch((e) => {
        if (e instanceof VisibleError && e.kind === "not-found") return undefined;
        throw e;
      });
      if (found) return found;
    }
    throw err;
  }
}
