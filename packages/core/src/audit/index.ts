/** Who did what to which connection or secret, and when. Never holds a secret's value. */
import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import * as Dynamo from "../dynamo/index.ts";
import * as Page from "../page/index.ts";

export const Action = z.enum([
  "app-connection.created",
  "app-connection.updated",
  "app-connection.deleted",
  "app-connection.verification-requested",
  "app-connection.verified",
  "app-connection.verification-failed",
  "app-connection.credentials-read",
  "secret-sync.created",
  "secret-sync.updated",
  "secret-sync.deleted",
  "secret-sync.succeeded",
  "secret-sync.failed",
  "secret.created",
  "secret.updated",
  "secret.deleted",
  "secret-import.created",
  "secret-import.updated",
  "secret-import.deleted",
]);
export type Action = z.infer<typeof Action>;

export const Actor = z.union([
  z.object({ type: z.literal("api-key"), keyId: z.string() }),
  z.object({ type: z.literal("system"), reason: z.string() }),
]);
export type Actor = z.infer<typeof Actor>;

export const Entry = z
  .object({
    id: z.uuid(),
    orgId: z.string(),
    action: Action,
    actor: Actor,
    connectionId: z.optional(z.uuid()).check(z.meta({ description: "Absent on secrets' entries" })),
    projectId: z.nullable(z.string()),
    at: z.iso.datetime(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .check(z.meta({ id: "AuditLog" }));
export type Entry = z.infer<typeof Entry>;

export type Input = Omit<Entry, "id" | "at"> & { at?: string };

/** An entry as an item, to be written in the same transaction as the change it records. */
export function item(input: Input) {
  const entry: Entry = { ...input, id: randomUUID(), at: input.at ?? new Date().toISOString() };
  return { pk: `ORG#${entry.orgId}`, sk: `AUDIT#${entry.at}#${entry.id}`, type: "audit", ...entry };
}

export const put = (input: Input) => ({ Put: { TableName: Dynamo.table(), Item: item(input) } });

/** Newest first; optionally one connection's, or only those of some projects. */
export async function list(
  orgId: string,
  opts: { connectionId?: string; projectIds?: readonly string[]; cursor?: string; limit: number },
) {
  const { values, ...filtered } = Dynamo.filter({ connectionId: opts.connectionId, projectId: opts.projectIds });
  const page = await Page.query(
    (ExclusiveStartKey, Limit) =>
      Dynamo.client.send(
        new QueryCommand({
          TableName: Dynamo.table(),
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ...filtered,
          ExpressionAttributeValues: { ":pk": `ORG#${orgId}`, ":prefix": "AUDIT#", ...values },
          ScanIndexForward: false,
          ExclusiveStartKey,
          Limit,
        }),
      ),
    { cursor: opts.cursor, limit: opts.limit, scope: `ORG#${orgId}` },
  );
  return { items: page.items.map((i) => Entry.parse(i)), cursor: page.cursor };
}
