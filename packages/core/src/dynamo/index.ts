import { DescribeTableCommand, DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "../resource/index.ts";

const raw = new DynamoDBClient({});
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

export const ping = () => raw.send(new DescribeTableCommand({ TableName: table() }));
