/**
 * Console sessions: a person signs in with an API key once and then holds a random session id
 * (in a cookie) instead. Only the id's SHA-256 hash is stored; the item carries the key's actor,
 * so the console acts with exactly the rights of the key it was opened with.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as ApiKey from "../apikey/index.ts";
import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";

export const lifetimeSeconds = 8 * 60 * 60;

export type Info = {
  actor: ApiKey.Actor;
  /** Sent back in every form of the session; a forged cross-site form cannot know it. */
  csrfToken: string;
  /** Epoch seconds; also the table's TTL attribute. */
  expiresAt: number;
};

const key = (secret: string) => ({ pk: `SESSION#${Secrets.sha256(secret)}`, sk: "SESSION" });
const random = () => randomBytes(32).toString("base64url");

/** Opens a session for an authenticated key; the returned secret is known only to the caller. */
export async function create(actor: ApiKey.Actor): Promise<{ secret: string; session: Info }> {
  const secret = random();
  const session: Info = {
    actor: ApiKey.actorOf(actor),
    csrfToken: random(),
    expiresAt: Math.floor(Date.now() / 1000) + lifetimeSeconds,
  };
  await Dynamo.client.send(
    new PutCommand({
      TableName: Dynamo.table(),
      Item: {
        ...key(secret),
        type: "session",
        ...session.actor,
        csrfToken: session.csrfToken,
        createdAt: new Date().toISOString(),
        expiresAt: session.expiresAt,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { secret, session };
}

/** The live session of this secret; DynamoDB deletes expired items only eventually, so expiry is checked here. */
export async function fromSecret(secret: string | undefined): Promise<Info | undefined> {
  if (!secret || secret.length > 128) return undefined;
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: Dynamo.table(), Key: key(secret), ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item || typeof item.expiresAt !== "number" || item.expiresAt <= Date.now() / 1000) return undefined;
  return {
    actor: ApiKey.actorOf(item as ApiKey.Actor),
    csrfToken: item.csrfToken,
    expiresAt: item.expiresAt,
  };
}

export async function remove(secret: string | undefined) {
  if (!secret || secret.length > 128) return;
  await Dynamo.client.send(new DeleteCommand({ TableName: Dynamo.table(), Key: key(secret) }));
}

/** A random token for forms (the session's own, or one for a form shown before sign-in). */
export const token = random;

/** Compares a submitted form token with the expected one in constant time. */
export function matches(expected: string, submitted: unknown) {
  if (typeof submitted !== "string" || !expected) return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
