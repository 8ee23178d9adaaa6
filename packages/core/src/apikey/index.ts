import { randomBytes, randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Secrets } from "../crypto/index.ts";
import { Dynamo } from "../dynamo/index.ts";

/** API keys: each belongs to one org and is stored only as its SHA-256 hash. */
export namespace ApiKey {
  export type Actor = { orgId: string; keyId: string };

  const key = (secret: string) => ({ pk: `APIKEY#${Secrets.sha256(secret)}`, sk: "APIKEY" });

  export const generate = () => `rwc_${randomBytes(32).toString("base64url")}`;

  /** Registers a key (a new random one unless given) for an org; the key is returned only here. */
  export async function create(input: { orgId?: string; name: string; secret?: string }) {
    const secret = input.secret ?? generate();
    const actor: Actor = { orgId: input.orgId ?? randomUUID(), keyId: randomUUID() };
    await Dynamo.client.send(
      new PutCommand({
        TableName: Dynamo.table(),
        Item: { ...key(secret), type: "apikey", ...actor, name: input.name, createdAt: new Date().toISOString() },
      }),
    );
    return { ...actor, secret };
  }

  export async function authenticate(secret: string): Promise<Actor | undefined> {
    if (!secret) return undefined;
    const out = await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: key(secret) }));
    return out.Item ? { orgId: out.Item.orgId, keyId: out.Item.keyId } : undefined;
  }
}
