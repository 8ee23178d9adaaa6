/**
 * Secrets of an org's project environments, sealed at rest with envelope encryption (datakey.ts,
 * crypto/envelope), listed by folder, versioned, and written in guarded transactions that carry
 * their audit entries and `secret.*` webhook events. Values never leave this module but in answers.
 */
import { randomUUID } from "node:crypto";
import { BatchGetCommand, type BatchGetCommandOutput, GetCommand } from "@aws-sdk/lib-dynamodb";
import * as ApiKey from "../apikey/index.ts";
import * as Audit from "../audit/index.ts";
import * as Envelope from "../crypto/envelope.ts";
import * as Dynamo from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";
import { write as outboxEvent } from "../event/index.ts";
import { dataKey } from "./datakey.ts";
import {
  aad,
  currentSk,
  dependencyKey,
  folderPrefix,
  type Item,
  partition,
  versionPrefix,
  versionSk,
  type Where,
} from "./item.ts";
import {
  type Address,
  addressId,
  describeAddress,
  expander,
  LimitError,
  limits,
  maxDepth,
  references,
  tooManyLoads,
  tooManyReferences,
} from "./references.ts";
import type { Info, Scope } from "./schema.ts";

export { forget } from "./datakey.ts";
export * from "./schema.ts";

export type ReadOptions = { expand: boolean; view: boolean };
/** Who writes: an API key, or the system acting in its org (a sync's import), audited `as` that. */
export type Writer = ApiKey.Actor & { as?: Audit.Actor };

const where = (s: Scope): Where => ({ orgId: s.orgId, projectId: s.projectId, environment: s.environment });

function info(s: Where, item: Item, value: string | undefined): Info {
  return {
    id: item.id,
    _id: item.id,
    workspace: s.projectId,
    workspaceId: s.projectId,
    environment: s.environment,
    version: item.version,
    type: "shared",
    secretKey: item.key,
    secretValue: value ?? "",
    secretValueHidden: value === undefined,
    secretComment: item.comment,
    secretPath: item.path,
    isRotatedSecret: false,
    tags: [],
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

const notFound = (key: string) => new VisibleError("not-found", "secret_not_found", `Secret "${key}" not found`);

async function openAll(w: Where, items: Item[]) {
  if (!items.length) return [];
  const key = await dataKey(w);
  if (!key) throw new Error("secrets without a data key");
  return items.map((i) => Envelope.open(key, i.value, aad(w, i)));
}

/** The current item of a secret, read consistently (writes decide on it). */
async function current(w: Where, path: string, key: string) {
  const out = await Dynamo.client.send(
    new GetCommand({
      TableName: Dynamo.table(),
      Key: { pk: partition(w), sk: currentSk(path, key) },
      ConsistentRead: true,
    }),
  );
  return out.Item as Item | undefined;
}

/**
 * The current items of these secrets of the project (of any environment), read consistently,
 * 100 a request: what a list's references name, in a few requests rather than one each.
 */
async function currentAll(w: Where, addresses: Address[]) {
  const keys = addresses.map((a) => ({
    pk: partition({ ...w, environment: a.environment }),
    sk: currentSk(a.path, a.key),
  }));
  const found = new Map<string, Item>();
  const id = (k: Record<string, unknown>) => `${k.pk}\u0000${k.sk}`;
  const table = Dynamo.table();
  await Promise.all(
    Array.from({ length: Math.ceil(keys.length / 100) }, async (_, chunk) => {
      let pending: Record<string, unknown>[] | undefined = keys.slice(chunk * 100, chunk * 100 + 100);
      for (let attempt = 1; pending?.length; attempt++) {
        // Keys DynamoDB left unprocessed (throttled) are asked for again, after a pause.
        if (attempt > 8) throw new Error("secrets: DynamoDB left keys of a batch read unprocessed 8 times");
        if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * 20 * 2 ** attempt));
        const out: BatchGetCommandOutput = await Dynamo.client.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[table] ?? []) found.set(id(item), item as Item);
        pending = out.UnprocessedKeys?.[table]?.Keys;
      }
    }),
  );
  return keys.map((k) => found.get(id(k)));
}

/** The values of these secrets, undefined for those that do not exist, each environment's data key once. */
async function loadAll(w: Where, addresses: Address[]) {
  const items = await currentAll(w, addresses);
  const values: (string | undefined)[] = addresses.map(() => undefined);
  for (const environment of new Set(addresses.map((a) => a.environment))) {
    const at = addresses.flatMap((a, n) => (a.environment === environment && items[n] ? [n] : []));
    const opened = await openAll(
      { ...w, environment },
      at.map((n) => items[n] as Item),
    );
    for (const [i, n] of at.entries()) values[n] = opened[i];
  }
  return values;
}

/**
 * Expands the secrets at `roots`, whose values `known` holds (with what else the request knows):
 * loads what they name (and what that names, up to references.maxDepth), each secret once and
 * each environment's data key once, then substitutes, within references.limits.
 */
async function expandAll(w: Where, roots: Address[], known: Map<string, string | undefined>) {
  let frontier = roots.map((a) => ({ address: a, value: known.get(addressId(a)) as string }));
  let loads = 0;
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const wanted = new Map<string, { address: Address; by: Address }>();
    for (const { address: by, value } of frontier) {
      const named = references(value, by);
      if (named.length > limits.references) throw tooManyReferences(by, named.length);
      for (const a of named) if (!known.has(addressId(a))) wanted.set(addressId(a), { address: a, by });
    }
    const missing = [...wanted.values()];
    const over = missing[limits.loads - loads];
    if (over) throw tooManyLoads(over.by);
    loads += missing.length;
    const loaded = await loadAll(
      w,
      missing.map((m) => m.address),
    );
    for (const [i, m] of missing.entries()) known.set(addressId(m.address), loaded[i]);
    frontier = missing.flatMap((m, i) => (loaded[i] === undefined ? [] : [{ address: m.address, value: loaded[i] }]));
  }
  const expand = expander((a) => known.get(addressId(a)));
  return roots.map((root) => {
    try {
      return expand(root) as string;
    } catch (err) {
      if (err instanceof LimitError) err.root = root;
      throw err;
    }
  });
}

/** A read or write refused by references.limits: `reason` names the secrets, never a value. */
export class ReferenceLimit extends VisibleError {
  constructor(
    kind: "validation" | "unprocessable",
    readonly reason: string,
    hint = "",
  ) {
    super(kind, "secret_reference_limit", `${reason}${hint}`);
  }
}

function refusal(err: LimitError, writing: boolean) {
  const root = err.root && addressId(err.root) !== addressId(err.at) ? err.root : undefined;
  const reason = `${err.message}${root ? ` (${writing ? "writing" : "reading"} secret ${describeAddress(root)})` : ""}`;
  return writing
    ? new ReferenceLimit("validation", reason)
    : new ReferenceLimit(
        "unprocessable",
        reason,
        "; read it with expandSecretReferences=false, or change what it refers to",
      );
}

async function present(w: Where, items: Item[], opts: ReadOptions) {
  if (!opts.view) return items.map((i) => info(w, i, undefined));
  const values = await openAll(w, items);
  if (!opts.expand) return items.map((i, n) => info(w, i, values[n]));
  const roots = items.map((i) => ({ environment: w.environment, path: i.path, key: i.key }));
  const known = new Map<string, string | undefined>(roots.map((a, n) => [addressId(a), values[n]]));
  try {
    const shown = await expandAll(w, roots, known);
    return items.map((i, n) => info(w, i, shown[n]));
  } catch (err) {
    throw err instanceof LimitError ? refusal(err, false) : err;
  }
}

/**
 * Refuses written values that could not be read expanded: more references than a value may
 * hold, or an expansion past the limits, each read as its secret beside the batch's other values
 * (`gone`: the old names of renamed secrets; an `unchanged` value is not checked). A later write of a secret they refer to can still
 * make them too large: reads then refuse them by name.
 */
async function assertExpandable(
  w: Where,
  written: { address: Address; value: string; unchanged?: boolean }[],
  gone: Address[] = [],
) {
  const roots = written.filter((v) => !v.unchanged && references(v.value, v.address).length).map((v) => v.address);
  if (!roots.length) return;
  const known = new Map<string, string | undefined>([
    ...gone.map((a): [string, undefined] => [addressId(a), undefined]),
    ...written.map((v): [string, string] => [addressId(v.address), v.value]),
  ]);
  try {
    await expandAll(w, roots, known);
  } catch (err) {
    throw err instanceof LimitError ? refusal(err, true) : err;
  }
}

export async function list(actor: ApiKey.Actor, scope: Scope, opts: ReadOptions & { recursive: boolean }) {
  ApiKey.assertReaches(actor, scope.projectId);
  const w = where(scope);
  const items = await Dynamo.queryAll<Item>({
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": partition(w), ":prefix": folderPrefix(scope.path, opts.recursive) },
  });
  return present(w, items, opts);
}

export async function get(actor: ApiKey.Actor, scope: Scope, key: string, opts: ReadOptions & { version?: number }) {
  ApiKey.assertReaches(actor, scope.projectId);
  const w = where(scope);
  let item = await current(w, scope.path, key);
  if (!item) throw notFound(key);
  if (opts.version !== undefined && opts.version !== item.version) {
    const out = await Dynamo.client.send(
      new GetCommand({ TableName: Dynamo.table(), Key: { pk: partition(w), sk: versionSk(item.id, opts.version) } }),
    );
    if (!out.Item)
      throw new VisibleError("not-found", "secret_version_not_found", `Secret "${key}" has no version ${opts.version}`);
    item = out.Item as Item;
  }
  return (await present(w, [item], opts))[0] as Info;
}

/** Every kept version of a secret, newest first (a rename keeps them: they follow its id). */
export async function versions(actor: ApiKey.Actor, scope: Scope, key: string, opts: ReadOptions) {
  ApiKey.assertReaches(actor, scope.projectId);
  const w = where(scope);
  const item = await current(w, scope.path, key);
  if (!item) throw notFound(key);
  const items = await Dynamo.queryAll<Item>({
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": partition(w), ":prefix": versionPrefix(item.id) },
    ScanIndexForward: false,
  });
  return present(w, items, { ...opts, expand: false });
}

export type Create = { key: string; value: string; comment?: string };
export type Update = { key: string; value?: string; comment?: string; newKey?: string };

type Event = "secret.created" | "secret.updated" | "secret.deleted";
type Change = { type: Event; before?: Item; after?: Item; writes: Dynamo.Write[]; guard: Dynamo.Write };

function assertDistinct(keys: string[]) {
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new VisibleError("validation", "duplicate_secret", `Secret "${dup}" appears twice in the request`);
}

const exists = (key: string, path: string) =>
  new VisibleError("validation", "secret_exists", `Secret "${key}" already exists at path "${path}"`);

/** The audit entry and the event of one change: identity and version only, never the value. */
function records(actor: Writer, w: Where, type: Event, item: Item, previousKey?: string): Dynamo.Write[] {
  const data = {
    id: item.id,
    key: item.key,
    path: item.path,
    environment: w.environment,
    projectId: w.projectId,
    version: item.version,
    ...(previousKey !== undefined && { previousKey }),
  };
  return [
    Audit.put({
      orgId: w.orgId,
      action: type,
      actor: actor.as ?? { type: "api-key", keyId: actor.keyId },
      projectId: w.projectId,
      details: {
        secretId: item.id,
        secretKey: item.key,
        secretPath: item.path,
        environment: w.environment,
        version: item.version,
      },
    }),
    outboxEvent(w.orgId, type, { secret: data }),
  ];
}

const put = (item: Item, condition?: { expression: string; values?: Record<string, unknown> }): Dynamo.Write => ({
  Put: {
    TableName: Dynamo.table(),
    Item: item,
    ...(condition && {
      ConditionExpression: condition.expression,
      ...(condition.values && { ExpressionAttributeValues: condition.values }),
    }),
  },
});

/** Commits the changes in one transaction, so that a batch is all or nothing. */
async function commit(changes: Change[], onGuard: (c: Change) => VisibleError) {
  const all = changes.flatMap((c) => c.writes);
  try {
    await Dynamo.transact(all);
  } catch (err) {
    const failed = changes.find((c) => Dynamo.failedOn(err, all, c.guard));
    if (failed) throw onGuard(failed);
    throw err;
  }
  return changes;
}

/** What a value refers to, as its item lists it for the dependency index (addresses only). */
function dependencies(w: Where, item: Pick<Item, "key" | "path">, value: string) {
  const from = { environment: w.environment, path: item.path };
  const refs = references(value, from).map(addressId);
  if (!refs.length) return {};
  return {
    refs,
    gsi3pk: dependencyKey(w.orgId, w.projectId),
    gsi3sk: `S\u0000${addressId({ ...from, key: item.key })}`,
  };
}

function sealed(
  w: Where,
  key: Uint8Array,
  item: Omit<Item, "value" | "pk" | "sk" | "type" | "refs" | "gsi3pk" | "gsi3sk">,
  value: string,
): Item {
  return {
    pk: partition(w),
    sk: currentSk(item.path, item.key),
    type: "secret",
    ...item,
    value: Envelope.seal(key, value, aad(w, item)),
    ...dependencies(w, item, value),
  };
}

/** A kept version: not in the dependency index (only current values refer). */
const version = ({ refs: _, gsi3pk: __, gsi3sk: ___, ...item }: Item): Item => ({
  ...item,
  type: "secret-version",
  sk: versionSk(item.id, item.version),
});

export async function create(actor: Writer, scope: Scope, inputs: Create[]) {
  ApiKey.assertReaches(actor, scope.projectId);
  assertDistinct(inputs.map((i) => i.key));
  const w = where(scope);
  await assertExpandable(
    w,
    inputs.map((i) => ({ address: { environment: w.environment, path: scope.path, key: i.key }, value: i.value })),
  );
  const key = await dataKey(w, true);
  const now = new Date().toISOString();
  const changes = inputs.map((input): Change => {
    const after = sealed(
      w,
      key,
      {
        id: randomUUID(),
        key: input.key,
        path: scope.path,
        version: 1,
        comment: input.comment ?? "",
        createdAt: now,
        updatedAt: now,
      },
      input.value,
    );
    const guard = put(after, { expression: "attribute_not_exists(sk)" });
    return {
      type: "secret.created",
      after,
      guard,
      writes: [guard, put(version(after)), ...records(actor, w, "secret.created", after)],
    };
  });
  await commit(changes, (c) => exists(c.after?.key as string, scope.path));
  return inputs.map((input, i) => info(w, changes[i]?.after as Item, input.value));
}

const stale = () =>
  new VisibleError("conflict", "secret_changed", "The secret changed while this request ran; send it again");

async function load(w: Where, path: string, keys: string[]) {
  const items = await Promise.all(keys.map((k) => current(w, path, k)));
  const missing = keys.find((_, i) => !items[i]);
  if (missing !== undefined) throw notFound(missing);
  return items as Item[];
}

export async function update(actor: Writer, scope: Scope, inputs: Update[]) {
  ApiKey.assertReaches(actor, scope.projectId);
  assertDistinct(inputs.flatMap((i) => [i.key, ...(i.newKey && i.newKey !== i.key ? [i.newKey] : [])]));
  const w = where(scope);
  const befores = await load(
    w,
    scope.path,
    inputs.map((i) => i.key),
  );
  const key = await dataKey(w, true);
  const olds = await openAll(w, befores);
  const now = new Date().toISOString();
  const values: string[] = [];
  const changes = inputs.map((input, i): Change => {
    const before = befores[i] as Item;
    const value = input.value ?? (olds[i] as string);
    values.push(value);
    const renamed = input.newKey !== undefined && input.newKey !== before.key;
    const after = sealed(
      w,
      key,
      {
        id: before.id,
        key: input.newKey ?? before.key,
        path: before.path,
        version: before.version + 1,
        comment: input.comment ?? before.comment,
        createdAt: before.createdAt,
        updatedAt: now,
      },
      value,
    );
    const unchanged = { expression: "version = :v", values: { ":v": before.version } };
    const guard = renamed ? put(after, { expression: "attribute_not_exists(sk)" }) : put(after, unchanged);
    const drop: Dynamo.Write[] = renamed
      ? [
          {
            Delete: {
              TableName: Dynamo.table(),
              Key: { pk: before.pk, sk: before.sk },
              ConditionExpression: unchanged.expression,
              ExpressionAttributeValues: unchanged.values,
            },
          },
        ]
      : [];
    return {
      type: "secret.updated",
      before,
      after,
      guard,
      writes: [
        guard,
        ...drop,
        put(version(after)),
        ...records(actor, w, "secret.updated", after, renamed ? before.key : undefined),
      ],
    };
  });
  const address = (item: Item) => ({ environment: w.environment, path: item.path, key: item.key });
  await assertExpandable(
    w,
    changes.map((c, i) => ({
      address: address(c.after as Item),
      value: values[i] as string,
      unchanged: inputs[i]?.value === undefined,
    })),
    changes.filter((c) => c.before?.key !== c.after?.key).map((c) => address(c.before as Item)),
  );
  await commit(changes, (c) => (c.before?.key !== c.after?.key ? exists(c.after?.key as string, scope.path) : stale()));
  return changes.map((c, i) => info(w, c.after as Item, values[i]));
}

export async function remove(actor: Writer, scope: Scope, keys: string[]) {
  ApiKey.assertReaches(actor, scope.projectId);
  assertDistinct(keys);
  const w = where(scope);
  const befores = await load(w, scope.path, keys);
  const values = await openAll(w, befores);
  const changes = befores.map((before): Change => {
    const guard: Dynamo.Write = {
      Delete: {
        TableName: Dynamo.table(),
        Key: { pk: before.pk, sk: before.sk },
        ConditionExpression: "version = :v",
        ExpressionAttributeValues: { ":v": before.version },
      },
    };
    return { type: "secret.deleted", before, guard, writes: [guard, ...records(actor, w, "secret.deleted", before)] };
  });
  await commit(changes, stale);
  return befores.map((b, i) => info(w, b, values[i]));
}
