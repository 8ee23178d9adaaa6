/**
 * The prior art SDK's own sign-in ("universal auth"): each API key has a client id and secret,
 * exchanged for short-lived access tokens that act exactly as the key does. A token is stored
 * like a key (the SHA-256 of its secret, under the same key prefix) with its expiry, so the one
 * lookup `ApiKey.authenticate` makes serves both. Only the secrets Lambda imports this module.
 *
 * No lockout on failed logins: client secrets and tokens are 256-bit random values, which no
 * rate of guessing can find, and a lockout would let anyone who knows a client id lock it out.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import { type Actor, actorOf, keyOf } from "../apikey/index.ts";
import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import * as Env from "../env/index.ts";
import { VisibleError } from "../error/index.ts";

/** How long a token lives from its login or last renewal, and at most from its login (seconds). */
const ttl = () => Env.number("ACCESS_TOKEN_TTL_SECONDS", 2 * 60 * 60);
const maxTtl = () => Env.number("ACCESS_TOKEN_MAX_TTL_SECONDS", 30 * 24 * 60 * 60);
/**
 * A refused login answers no sooner than this after it began (ms). The same work is not yet the
 * same time: reading no item (an unknown client id) costs DynamoDB less than reading one, and
 * that difference, small as it is, would tell which client ids exist. Successful logins do not wait.
 */
const refusalFloorMs = () => Env.number("LOGIN_REFUSAL_FLOOR_MS", 50);

const random = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;
const clientKey = (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: "CLIENT" });
const now = () => Math.floor(Date.now() / 1000);

const secret = z.string().check(z.minLength(1), z.maxLength(200));
export const LoginInput = z.object({ clientId: secret, clientSecret: secret });
export const TokenInput = z.object({ accessToken: secret });

export const TokenAnswer = z.object({
  accessToken: z.string(),
  expiresIn: z.number(),
  accessTokenMaxTTL: z.number(),
  tokenType: z.literal("Bearer"),
});
export type TokenAnswer = z.infer<typeof TokenAnswer>;

/** A client id and secret for an API key's actor; the secret is returned only here. */
export async function issueClient(actor: Actor) {
  const clientId = randomUUID();
  const clientSecret = random("rwcs_");
  await Dynamo.client.send(
    new PutCommand({
      TableName: Dynamo.table(),
      Item: {
        ...clientKey(clientId),
        type: "client",
        ...actorOf(actor),
        secretHash: Secrets.sha256(clientSecret),
        createdAt: new Date().toISOString(),
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { clientId, clientSecret };
}

const refused = () =>
  new VisibleError("unauthenticated", "invalid_credentials", "The client id or client secret is not valid");
const expired = () =>
  new VisibleError("unauthenticated", "invalid_token", "The access token is not valid: expired, revoked or unknown");

/** Compared with when the client id is unknown, so that a login costs the same whether or not it exists. */
const noClientHash = Secrets.sha256(randomBytes(32));

/** Exchanges a client id and secret for a new access token. */
export async function login({ clientId, clientSecret }: z.infer<typeof LoginInput>): Promise<TokenAnswer> {
  const began = performance.now();
  const out = await Dynamo.client.send(
    new GetCommand({
      TableName: Dynamo.table(),
      Key: clientKey(clientId),
      ConsistentRead: true,
      ProjectionExpression: "secretHash, orgId, keyId, projectIds",
    }),
  );
  const stored = Buffer.from(typeof out.Item?.secretHash === "string" ? out.Item.secretHash : noClientHash, "hex");
  const given = Buffer.from(Secrets.sha256(clientSecret), "hex");
  const same = stored.length === given.length && timingSafeEqual(stored, given);
  if (!out.Item || !same) {
    const wait = began + refusalFloorMs() - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    throw refused();
  }
  const accessToken = random("rwt_");
  const issued = now();
  const expiresIn = Math.min(ttl(), maxTtl());
  await Dynamo.client.send(
    new PutCommand({
      TableName: Dynamo.table(),
      Item: {
        ...keyOf(accessToken),
        type: "access-token",
        ...actorOf(out.Item as Actor),
        clientId,
        expiresAt: issued + expiresIn,
        maxExpiresAt: issued + maxTtl(),
        createdAt: new Date(issued * 1000).toISOString(),
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  return { accessToken, expiresIn, accessTokenMaxTTL: maxTtl(), tokenType: "Bearer" };
}

/** Extends a live token by its TTL, never past its maximum; the token itself stays the same. */
export async function renew({ accessToken }: z.infer<typeof TokenInput>): Promise<TokenAnswer> {
  const at = now();
  const out = await Dynamo.client.send(
    new GetCommand({ TableName: Dynamo.table(), Key: keyOf(accessToken), ConsistentRead: true }),
  );
  const item = out.Item;
  if (item?.type !== "access-token" || item.expiresAt <= at) throw expired();
  const expiresAt = Math.min(at + ttl(), item.maxExpiresAt);
  try {
    await Dynamo.client.send(
      new UpdateCommand({
        TableName: Dynamo.table(),
        Key: keyOf(accessToken),
        UpdateExpression: "SET expiresAt = :expiresAt",
        ConditionExpression: "#type = :token AND expiresAt > :now",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":expiresAt": expiresAt, ":token": "access-token", ":now": at },
      }),
    );
  } catch (err) {
    // Revoked between the read and the write.
    if ((err as Error).name === "ConditionalCheckFailedException") throw expired();
    throw err;
  }
  return { accessToken, expiresIn: expiresAt - at, accessTokenMaxTTL: maxTtl(), tokenType: "Bearer" };
}

/** Ends a token at once. Only tokens: the condition keeps this from deleting an API key. */
export async function revoke({ accessToken }: z.infer<typeof TokenInput>) {
  try {
    await Dynamo.client.send(
      new DeleteCommand({
        TableName: Dynamo.table(),
        Key: keyOf(accessToken),
        ConditionExpression: "#type = :token",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":token": "access-token" },
      }),
    );
  } catch (err) {
    if ((err as Error).name === "ConditionalCheckFailedException") throw expired();
    throw err;
  }
}
