/**
 * Console sessions: a person signs in with an API key (or an access token minted for one) once
 * and then holds a random session id (in a cookie) instead. Only the id's SHA-256 hash is stored;
 * the item names what signed in by its hash, and every read checks that it still works (a key
 * not deleted, a token not revoked or expired), so the console acts with exactly the rights of
 * that key, and no longer than it would on the API.
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
const now = () => Math.floor(Date.now() / 1000);

/**
 * Opens a session for what signed in; the returned secret is known only to the caller. A
 * session from an access token ends when the token would: its expiry at sign-in (a renewal
 * does not lengthen the session), or its revocation.
 */
export async function create(
  credential: ApiKey.Credential,
): Promise<{ secret: string; session: Info; maxAge: number }> {
  const secret = random();
  const at = now();
  const maxAge = Math.min(lifetimeSeconds, (credential.expiresAt ?? Number.POSITIVE_INFINITY) - at);
  const session: Info = {
    actor: ApiKey.actorOf(credential.actor),
    csrfToken: random(),
    expiresAt: at + maxAge,
  };
  await Dynamo.client.send(
    new PutCommand({
      TableName: Dynamo.table(),
      Item: {
        ...key(secret),
        type: "session",
        ...session.actor,
        credentialHash: credential.hash,
        csrfToken: session.csrfToken,
        createdAt: new Date().toISOString(),
        expiresAt: session.expiresAt,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { secret, session, maxAge };
}

/**
 * The live session of this secret: not expired (DynamoDB deletes expired items only eventually),
 * and what signed in still works. A session made before sessions named what signed in has no
 * `credentialHash` and ends here.
 */
export async function fromSecret(secret: string | undefined): Promise<Info | undefined> {
  if (!secret || secret.length > 128) return undefined;
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: Dynamo.table(), Key: key(secret), ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item || typeof item.expiresAt !== "number" || item.expiresAt <= Date.now() / 1000) return undefined;
  if (typeof item.credentialHash !== "string") return undefined;
  const signedIn = await ApiKey.fromHash(item.credentialHash);
  if (!signedIn || signedIn.actor.keyId !== item.keyId || signedIn.actor.orgId !== item.orgId) return undefined;
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
