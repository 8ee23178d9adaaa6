import { DescribeTableCommand, DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { VisibleError } from "../error/index.ts";
import { Resource } from "../resource/index.ts";

export const raw = new DynamoDBClient({});
export const client = DynamoDBDocumentClient.from(raw, {
  marshallOptions: { removeUndefinedValues: true },
});

export const table = () => Resource.Table.name;

export type Write = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

/**
 * One transaction. Two transactions touching the same item at the same moment cancel one
 * with "TransactionConflict" instead of deciding: that one is tried again, so that its own
 * conditions are what decide it.
 */
export async function transact(items: Write[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      const conflict =
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.some((r) => r.Code === "TransactionConflict");
      if (!conflict || attempt >= 8) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

/** Whether the transaction of `items` was cancelled (also) by the condition of `write`, one of them. */
export const failedOn = (err: unknown, items: readonly Write[], write: Write | undefined) =>
  write !== undefined &&
  err instanceof TransactionCanceledException &&
  err.CancellationReasons?.[items.indexOf(write)]?.Code === "ConditionalCheckFailed";

/** What `change`'s `write` returns when the revision guard refused its own write. */
export const refused = Symbol("refused");

/** A change's guard on the item's own write: its revision is still `revision`. */
export type Guard = { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> };

/** A guarded change gave up: another write got there first on every attempt. */
export class KeptChanging extends VisibleError {
  constructor(what: string) {
    super("conflict", "concurrent_change", `The ${what} kept changing while this request ran; try again`);
  }
}

/**
 * Attempts of a guarded change. A bound against a livelock, not a latency budget: each refused
 * attempt means another write to the item committed, so eight in a row is a hot item (a user's
 * edits racing the worker's and the event handlers' steps), where a 409 is the right answer.
 */
const attempts = 8;

/**
 * Read-modify-write of one item guarded by its revision. `load` reads the item (`attempt` counts
 * from 0, so a caller holding a fresh read can skip the first), `decide` says what changes
 * (undefined: nothing), and `write` commits that with `guard` on the item's own write, returning
 * the item after or `refused` when the guard failed: another write got there first, and it all
 * starts over, `KeptChanging` after `attempts` refusals. Undefined when the item does not exist;
 * `after` is undefined when nothing changed.
 */
export async function change<Item extends { revision: number }, Step, After>(
  what: string,
  load: (attempt: number) => Promise<Item | undefined>,
  decide: (item: Item) => Step | undefined,
  write: (item: Item, step: Step, guard: Guard) => Promise<After | typeof refused>,
): Promise<{ before: Item; after: After | undefined } | undefined> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const item = await load(attempt);
    if (!item) return undefined;
    const step = decide(item);
    if (step === undefined) return { before: item, after: undefined };
    const guard = {
      ConditionExpression: "revision = :revision",
      ExpressionAttributeValues: { ":revision": item.revision },
    };
    const after = await write(item, step, guard);
    if (after !== refused) return { before: item, after };
  }
  throw new KeptChanging(what);
}

/**
 * Query options filtering on `where`: each field must equal its value, or one of its values (an
 * empty list matches nothing); undefined fields are not filtered. `values` go with the query's own.
 */
export function filter(where: Record<string, string | readonly string[] | undefined>) {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [field, want] of Object.entries(where)) {
    if (want === undefined) continue;
    names[`#${field}`] = field;
    const list = typeof want === "string" ? [want] : want.length ? want : ["\u0000"];
    const placeholders = list.map((value, i) => {
      values[`:${field}${i}`] = value;
      return `:${field}${i}`;
    });
    clauses.push(`#${field} IN (${placeholders.join(", ")})`);
  }
  return clauses.length
    ? { FilterExpression: clauses.join(" AND "), ExpressionAttributeNames: names, values }
    : { values };
}

/** Every item a query on the table matches, page after page. */
export async function queryAll<T>(input: Omit<QueryCommandInput, "TableName">): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateQuery({ client }, { TableName: table(), ...input }))
    items.push(...((page.Items ?? []) as T[]));
  return items;
}

/**
 * One page of a shard of the maintenance index (`gsi2pk`, see `Layout.maintenanceKey`): the items
 * indexed there since before `before`, and where the next page starts.
 */
export async function due<T>(gsi2pk: string, before: string, limit: number, after?: Record<string, unknown>) {
  const out = await client.send(
    new QueryCommand({
      TableName: table(),
      IndexName: "gsi2",
      KeyConditionExpression: "gsi2pk = :pk AND gsi2sk < :before",
      ExpressionAttributeValues: { ":pk": gsi2pk, ":before": before },
      Limit: limit,
      ExclusiveStartKey: after,
    }),
  );
  return { items: (out.Items ?? []) as T[], next: out.LastEvaluatedKey };
}

export const ping = () => raw.send(new DescribeTableCommand({ TableName: table() }));
