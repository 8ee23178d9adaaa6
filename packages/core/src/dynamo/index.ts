import { DescribeTableCommand, DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
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

export const ping = () => raw.send(new DescribeTableCommand({ TableName: table() }));
