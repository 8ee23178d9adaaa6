/** API keys: each belongs to one org, may be limited to some projects, and is stored only as its SHA-256 hash. */
import { randomBytes, randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";

export type Actor = { orgId: string; keyId: string; projectIds?: readonly string[] };

/** Just the actor's fields, from a stored item or a wider object; no `projectIds` means the whole org. */
export const actorOf = ({
  orgId,
  keyId,
  projectIds,
}: Omit<Actor, "projectIds"> & { projectIds?: readonly string[] | undefined }): Actor => ({
  orgId,
  keyId,
  ...(projectIds ? { projectIds } : {}),
});

/** Where a key, or an access token minted for one (packages/core/src/access), is stored: by its secret's hash. */
const byHash = (hash: string) => ({ pk: `APIKEY#${hash}`, sk: "APIKEY" });
export const keyOf = (secret: string) => byHash(Secrets.sha256(secret));

export const generate = () => `rwc_${randomBytes(32).toString("base64url")}`;

/** Registers a key (a new random one unless given) for an org; the key is returned only here. */
export async function create(input: { orgId?: string; name: string; secret?: string; projectIds?: string[] }) {
  const secret = input.secret ?? generate();
  const actor = actorOf({ orgId: input.orgId ?? randomUUID(), keyId: randomUUID(), projectIds: input.projectIds });
  await Dynamo.client.send(
    new PutCommand({
      TableName: Dynamo.table(),
      Item: { ...keyOf(secret), type: "apikey", ...actor, name: input.name, createdAt: new Date().toISOString() },
    }),
  );
  return { ...actor, secret };
}

/** What authenticated: a key or an access token, by its secret's hash, and when it expires (a token's). */
export type Credential = { actor: Actor; hash: string; expiresAt?: number };

/**
 * Keys found in the last minute, by hash: a warm function skips the read a request would
 * otherwise begin with. Keys are never edited, only created (a key deleted from the table
 * keeps working in a warm function for up to a minute); unknown keys are always read.
 */
const known = new Map<string, { actor: Actor; until: number }>();
const knownForMs = 60_000;

/** The live key or access token stored under this hash. */
export async function fromHash(hash: string): Promise<Credential | undefined> {
  const k = byHash(hash);
  const hit = known.get(k.pk);
  if (hit && hit.until > Date.now()) return { actor: hit.actor, hash };
  const out = await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: k }));
  const item = out.Item;
  // An access token expires; DynamoDB's TTL deletes it only eventually.
  if (!item || item.expiresAt <= Date.now() / 1000) return undefined;
  const actor = actorOf(item as Actor);
  // Only keys are remembered: a token revoked or expired must stop at once.
  if (item.expiresAt !== undefined) return { actor, hash, expiresAt: item.expiresAt };
  if (known.size >= 1000) known.clear();
  known.set(k.pk, { actor, until: Date.now() + knownForMs });
  return { actor, hash };
}

/** The live key or access token this secret is (a console session keeps its hash, to check it again). */
export async function credential(secret: string): Promise<Credential | undefined> {
  return secret ? fromHash(Secrets.sha256(secret)) : undefined;
}

export async function authenticate(secret: string): Promise<Actor | undefined> {
  return (await credential(secret))?.actor;
}

/** Whether the key may see things of this project (`null`: the org's connections without a project). */
export const reaches = (actor: Actor, projectId: string | null) =>
  !actor.projectIds || (projectId !== null && actor.projectIds.includes(projectId));

/** Refuses to act in a project the key is not limited to. */
export function assertReaches(actor: Actor, projectId: string | null) {
  if (reaches(actor, projectId)) return;
  throw new VisibleError(
    "forbidden",
    "project_forbidden",
    projectId === null
      ? "This API key is limited to projects: send a projectId it may use"
      : `This API key may not use project "${projectId}"`,
  );
}
